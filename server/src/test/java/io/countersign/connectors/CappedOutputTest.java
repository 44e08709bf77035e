package io.countersign.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Streamed output: secrets redacted even when split across reads, and a cap that cuts on a character boundary. */
class CappedOutputTest {
    private final List<String> passed = new ArrayList<>();
    private final OutputSink sink = (stream, text) -> passed.add(text);

    private static void append(CappedOutput output, String text) {
        output.append("stdout", text.toCharArray(), text.length());
    }

    @Test
    void aSecretSplitAcrossReadsIsStillRedacted() {
        CappedOutput output = new CappedOutput(sink, new Redactor(Set.of("s3cr3t-value")), 1 << 20);
        append(output, "token=s3c");
        append(output, "r3t-va");
        append(output, "lue and more text that is long enough to pass on\n");
        output.finish();
        String all = String.join("", passed);
        assertThat(all).isEqualTo("token=[redacted] and more text that is long enough to pass on\n");
        assertThat(passed).noneMatch(piece -> piece.contains("s3c"));
    }

    @Test
    void outputBeyondTheCapIsDroppedAndMarked() {
        CappedOutput output = new CappedOutput(sink, Redactor.NONE, 10);
        append(output, "12345678é9abc");
        output.finish();
        assertThat(String.join("", passed)).isEqualTo("12345678é");
        assertThat(output.truncated()).isTrue();
        assertThat(output.passed()).isEqualTo(10);
        append(output, "late output of a detached child");
        assertThat(String.join("", passed)).isEqualTo("12345678é");
    }
}
