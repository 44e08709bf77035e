package io.countersign.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.testing.PostgresSchema;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** A dedicated session outlives whatever ends its body: it is opened again, not left ended. */
class DedicatedSessionTest {
    @Test
    void aBodyThatFailsUnexpectedlyIsStartedOverOnAFreshSession() throws Exception {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setUrl(PostgresSchema.SERVER);
        source.setUser(PostgresSchema.USER);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch workingAgain = new CountDownLatch(1);
        try (DedicatedSession session = new DedicatedSession("test-session", source, (connection, open) -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("a bug in the body, or in the driver");
            }
            try (Statement statement = connection.createStatement(); ResultSet one = statement.executeQuery("SELECT 1")) {
                one.next();
                assertThat(one.getInt(1)).isEqualTo(1);
            }
            workingAgain.countDown();
            while (open.getAsBoolean()) {
                Thread.sleep(20);
            }
        }, (SQLException lost) -> { })) {
            assertThat(workingAgain.await(10, TimeUnit.SECONDS)).as("the session was opened again and works").isTrue();
            assertThat(runs.get()).isEqualTo(2);
        }
    }
}
