package io.countersign.lifecycle;

import static io.countersign.testing.Fixtures.AGENT;
import static io.countersign.testing.Fixtures.ALICE;
import static io.countersign.testing.Fixtures.BOB;
import static io.countersign.testing.Fixtures.CAROL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.inventory.Inventory;
import io.countersign.json.Json;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Resource;
import io.countersign.model.Status;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyLoader;
import io.countersign.storage.Storage;
import io.countersign.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules the service owns for every edge: who is handed a grant on reading an action, and what a submission must pass first. */
class ActionServiceRulesTest {
    @TempDir
    Path dir;

    private Storage store;
    private ActionService actions;
    private final List<ActionRecord> issuedFor = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), """
                version: 1
                default: allow
                rules:
                  - {id: prod-held, when: 'resource.env == "prod"', effect: require_approval, approvals: {min: 1, from: [sre]}}
                """);
        Policy policy = new PolicyLoader(Set.of("sre", "data-owners")).load(dir);
        store = SqliteStore.open(dir.resolve("countersign.db"));
        SubmissionCheck noInternalCallbacks = request -> {
            if (request.callbackUrl() != null && request.callbackUrl().getHost().endsWith(".internal")) {
                throw new InvalidInputException("callback_url", "this server does not call back internal hosts");
            }
        };
        GrantIssuer grants = (record, now) -> {
            issuedFor.add(record);
            return new GrantIssuer.Issued("token-" + issuedFor.size(), "gr_" + issuedFor.size(), "t:r", now.plusSeconds(300));
        };
        actions = new ActionService(store, store, () -> policy, () -> Inventory.EMPTY, Clock.systemUTC(), new ChangeFeed(),
                () -> io.countersign.identity.Identities.NONE, SubmissionLimits.NONE, List.of(noInternalCallbacks), grants);
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private static ActionRequest request(String env, String callback) {
        return new ActionRequest("db.read", new Resource("t", "r", env, Map.of()), new Intent("why", null, null), Json.parse("{}"),
                null, null, callback == null ? null : java.net.URI.create(callback));
    }

    @Test
    void onlyTheRequesterAndTheAgentsOwnerAreHandedAGrantAndOnlyWhileTheActionMayRun() {
        ActionRecord allowed = actions.submit(AGENT, request("dev", null)).record();
        assertThat(allowed.status()).isEqualTo(Status.ALLOWED);
        assertThat(actions.grantFor(AGENT, allowed)).get().satisfies(g -> assertThat(g.token()).isEqualTo("token-1"));
        assertThat(actions.grantFor(CAROL, allowed)).as("the agent's owner").isPresent();
        assertThat(actions.grantFor(ALICE, allowed)).as("anyone else").isEmpty();
        assertThat(actions.grantFor(BOB, allowed)).isEmpty();

        ActionRecord pending = actions.submit(AGENT, request("prod", null)).record();
        assertThat(pending.status()).isEqualTo(Status.PENDING);
        assertThat(actions.grantFor(AGENT, pending)).as("a request still held").isEmpty();
        assertThat(issuedFor).extracting(ActionRecord::id).containsExactly(allowed.id(), allowed.id());
    }

    @Test
    void aSubmissionThatFailsACheckIsRefusedNamingTheFieldAndNothingIsStored() {
        assertThatThrownBy(() -> actions.submit(AGENT, request("prod", "https://hooks.corp.internal/a")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("callback_url"));
        assertThat(store.list(new ActionStore.Query(null, null, 10))).isEmpty();
        assertThat(actions.submit(AGENT, request("prod", "https://hooks.example.com/a")).record().status()).isEqualTo(Status.PENDING);
    }
}
