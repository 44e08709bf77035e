package io.countersign.identity;

import java.text.Normalizer;
import java.util.Locale;

/**
 * E-mail addresses compared as one person's: Unicode NFKC first (so that full-width or composed forms of
 * the same characters are one address), the domain always without case (DNS names have none). The local
 * part keeps its case unless told otherwise: RFC 5321 lets a mail system tell {@code Alice} from
 * {@code alice}, so only an identity provider that guarantees it does not may have them compared without.
 */
public final class Emails {
    private Emails() {
    }

    /** How to compare the part before the {@code @}. */
    public enum LocalPart {
        /** As written, after NFKC: what every identity provider guarantees. */
        EXACT,
        /** Without case: for a provider that treats {@code Alice@} and {@code alice@} as one mailbox. */
        CASE_INSENSITIVE
    }

    /** The form two addresses of one person share; null for null or text that is not an address. */
    public static String normalize(String email, LocalPart localPart) {
        if (email == null) {
            return null;
        }
        String text = Normalizer.normalize(email.strip(), Normalizer.Form.NFKC);
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) {
            return null;
        }
        String local = text.substring(0, at);
        String domain = text.substring(at + 1).toLowerCase(Locale.ROOT);
        return (localPart == LocalPart.CASE_INSENSITIVE ? local.toLowerCase(Locale.ROOT) : local) + "@" + domain;
    }
}
