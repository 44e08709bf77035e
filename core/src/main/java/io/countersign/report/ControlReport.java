package io.countersign.report;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventStore;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.BreakGlass;
import io.countersign.lifecycle.Review;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.model.ActionId;
import io.countersign.policy.ControlCatalog;
import io.countersign.policy.Deny;
import io.countersign.lifecycle.ActionStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evidence for an audit period, per compliance control: how many requests its rules decided and how
 * they ended. A request counts under every control of the rules that decided it; requests no mapped
 * rule decided count under {@link #UNMAPPED}, so nothing falls out of the report.
 */
public final class ControlReport {
    public static final String UNMAPPED = ControlCatalog.UNMAPPED;
    private static final int PAGE = 500;

    /**
     * The figures of one control in the period: requests by how they stand now, and reviews given.
     *
     * @param deniedByPolicy denied by a rule, at submission or when a policy change denied it while pending
     * @param rejected       denied by a reviewer
     * @param executed       ran after being allowed or approved ({@code failed}: ran and failed)
     * @param brokeGlass     let through by an admin's break-glass instead of approvals; of those, {@code brokeGlassUnreviewed}
     *                       await their review afterwards and {@code brokeGlassDisputed} were found unjustified
     * @param refused        attempts the rules refused in the period (self-reviews, ineligible or late reviews, refused
     *                       break-glass, unmet requirements, replayed grants), counted under the controls of the rules
     *                       that held the action
     */
    public record Row(String control, String title, long requests, long allowed, long deniedByPolicy, long approved,
                      long rejected, long expired, long cancelled, long pending, long executed, long failed,
                      long approvals, long rejections, long brokeGlass, long brokeGlassUnreviewed, long brokeGlassDisputed,
                      long refused) {
    }

    private static final class Tally {
        long requests, allowed, deniedByPolicy, approved, rejected, expired, cancelled, pending, executed, failed,
                approvals, rejections, brokeGlass, brokeGlassUnreviewed, brokeGlassDisputed, refused;

        void count(ActionRecord record) {
            requests++;
            switch (record.status()) {
                case ALLOWED -> allowed++;
                case DENIED -> {
                    if (record.decision() instanceof Deny) {
                        deniedByPolicy++;
                    } else {
                        rejected++;
                    }
                }
                case APPROVED -> approved++;
                case EXPIRED -> expired++;
                case CANCELLED -> cancelled++;
                case PENDING -> pending++;
                case EXECUTED -> executed++;
                case FAILED -> failed++;
            }
            if (record.breakGlass() != null) {
                brokeGlass++;
                if (record.breakGlass().awaitsReview()) {
                    brokeGlassUnreviewed++;
                } else if (record.breakGlass().review().verdict() == BreakGlass.Verdict.DISPUTED) {
                    brokeGlassDisputed++;
                }
            }
            for (Review review : record.reviews()) {
                if (review.decision() == ReviewDecision.APPROVE) {
                    approvals++;
                } else {
                    rejections++;
                }
            }
        }

        Row row(String control) {
            String title = ControlCatalog.title(control)
                    .orElse(control.equals(UNMAPPED) ? "requests decided by no rule that names a control" : "");
            return new Row(control, title, requests, allowed, deniedByPolicy, approved, rejected, expired, cancelled,
                    pending, executed, failed, approvals, rejections, brokeGlass, brokeGlassUnreviewed, brokeGlassDisputed, refused);
        }
    }

    public record Report(Instant from, Instant to, List<Row> rows) {
    }

    private ControlReport() {
    }

    /**
     * @param mapped controls to list even with no requests (those the active policy maps rules to)
     */
    public static Report build(ActionStore store, EventStore events, Instant from, Instant to, Collection<String> mapped) {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        ControlCatalog.all().keySet().stream().filter(mapped::contains).forEach(id -> tallies.put(id, new Tally()));
        ActionId after = null;
        while (true) {
            List<ActionRecord> page = store.createdBetween(from, to, after, PAGE);
            for (ActionRecord record : page) {
                List<String> controls = record.decision().controls().isEmpty() ? List.of(UNMAPPED) : record.decision().controls();
                for (String control : controls) {
                    tallies.computeIfAbsent(control, c -> new Tally()).count(record);
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            after = page.getLast().id();
        }
        for (ActionEvent refusal : events.refusedAttempts(from, to)) {
            switch (refusal.event()) {
                // A minute's further attempts of one principal, counted per control.
                case AuditEvent.RefusalsCoalesced counted -> counted.byControl()
                        .forEach((control, count) -> tallies.computeIfAbsent(control, c -> new Tally()).refused += count);
                case AuditEvent.Refused one -> {
                    List<String> controls = one.controls() == null || one.controls().isEmpty() ? List.of(UNMAPPED) : one.controls();
                    controls.forEach(control -> tallies.computeIfAbsent(control, c -> new Tally()).refused++);
                }
                default -> { }
            }
        }
        List<Row> rows = new ArrayList<>();
        tallies.forEach((control, tally) -> rows.add(tally.row(control)));
        return new Report(from, to, rows);
    }
}
