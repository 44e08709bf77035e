package io.countersign.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.json.ActionRequestJson;
import io.countersign.json.Json;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server knows of resources: facts policy decides on, and a request may not contradict. */
class InventoryTest {
    private static final String FILE = """
            version: 1
            resources:
              - {type: postgres.table, id: prod/customers, env: prod, labels: {data_class: pii}, team: data-platform}
              - {type: postgres.table, id: "prod/*", env: prod}
              - type: host
                id: "*-web-*"
                env: staging
            """;

    private static Inventory inventory() {
        return InventoryLoader.parse("resources.yaml", FILE.getBytes(StandardCharsets.UTF_8));
    }

    private static ActionRequest request(String resource) {
        return ActionRequestJson.fromJson(Json.parse("{\"action\": \"db.export\", \"resource\": " + resource
                + ", \"intent\": {\"summary\": \"s\"}, \"payload\": {\"sql\": \"COPY customers TO STDOUT\"}}"));
    }

    @Test
    void aKnownResourceGetsTheInventorysEnvAndLabelsAndTheDigestCoversThem() {
        Inventory.Resolved resolved = inventory().resolve(request("{\"type\": \"postgres.table\", \"id\": \"prod/customers\"}"));
        assertThat(resolved.isKnown()).isTrue();
        assertThat(resolved.team()).isEqualTo("data-platform");
        assertThat(resolved.request().resource().env()).isEqualTo("prod");
        assertThat(resolved.request().resource().labels()).containsEntry("data_class", "pii");
        assertThat(resolved.facts().known()).isTrue();
        // Saying it all, or saying nothing, is the same request: one digest.
        Inventory.Resolved stated = inventory().resolve(request(
                "{\"type\": \"postgres.table\", \"id\": \"prod/customers\", \"env\": \"prod\", \"labels\": {\"data_class\": \"pii\"}}"));
        assertThat(ActionDigest.of(stated.request())).isEqualTo(ActionDigest.of(resolved.request()));
    }

    @Test
    void aRequestThatContradictsTheInventoryIsRefusedNamingTheField() {
        assertThatThrownBy(() -> inventory().resolve(request("{\"type\": \"postgres.table\", \"id\": \"prod/customers\", \"env\": \"staging\"}")))
                .isInstanceOfSatisfying(ResourceMismatchException.class, e -> {
                    assertThat(e.code()).isEqualTo("resource_mismatch");
                    assertThat(e.field()).isEqualTo("resource.env");
                    assertThat(e.getMessage()).contains("resources.yaml:3").contains("'prod'").contains("'staging'");
                });
        assertThatThrownBy(() -> inventory().resolve(request(
                "{\"type\": \"postgres.table\", \"id\": \"prod/customers\", \"labels\": {\"data_class\": \"public\"}}")))
                .isInstanceOfSatisfying(ResourceMismatchException.class, e -> assertThat(e.field()).isEqualTo("resource.labels.data_class"));
    }

    @Test
    void labelsTheInventoryDoesNotSetStayTheCallersAndUnknownResourcesPassAsClaimed() {
        Inventory.Resolved known = inventory().resolve(request("{\"type\": \"postgres.table\", \"id\": \"prod/orders\", \"labels\": {\"owner\": \"x\"}}"));
        assertThat(known.isKnown()).isTrue();
        assertThat(known.request().resource().labels()).containsEntry("owner", "x");
        Inventory.Resolved unknown = inventory().resolve(request("{\"type\": \"mysql.table\", \"id\": \"prod/orders\", \"env\": \"dev\"}"));
        assertThat(unknown.isKnown()).isFalse();
        assertThat(unknown.facts().known()).isFalse();
        assertThat(unknown.request().resource().env()).isEqualTo("dev");
    }

    @Test
    void patternsMatchAnyRunOfCharactersAndTheFirstEntryWins() {
        assertThat(KnownResource.glob("prod/*", "prod/a/b")).isTrue();
        assertThat(KnownResource.glob("prod/*", "staging/a")).isFalse();
        assertThat(KnownResource.glob("*-web-*", "eu-web-1")).isTrue();
        assertThat(KnownResource.glob("*-web-*", "eu-web")).isFalse();
        assertThat(KnownResource.glob("a*b*c", "abbbc")).isTrue();
        assertThat(KnownResource.glob("exact", "exact")).isTrue();
        assertThat(KnownResource.glob("exact", "exactly")).isFalse();
        assertThat(inventory().lookup("postgres.table", "prod/customers").orElseThrow().labels()).containsKey("data_class");
        assertThat(inventory().lookup("host", "eu-web-7").orElseThrow().env()).isEqualTo("staging");
    }

    @Test
    void everyProblemOfAFileIsReportedWithItsLine() {
        String broken = """
                version: 1
                resources:
                  - {type: postgres.table, id: "qa/*", env: qa, owner: me}
                  - {type: postgres.table, id: "prod/*", env: prod}
                  - {type: postgres.table, id: "prod/*", env: prod}
                  - {type: host, id: web, labels: {tier: 1}}
                """;
        assertThatThrownBy(() -> InventoryLoader.parse("resources.yaml", broken.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InventoryException.class, e -> assertThat(e.problems()).extracting(Object::toString).containsExactly(
                        "resources.yaml:3: unknown key 'owner' (allowed: env, id, labels, team, type)",
                        "resources.yaml:5: resource postgres.table prod/* is already listed at resources.yaml:4",
                        "resources.yaml:6: missing 'env'",
                        "resources.yaml:6: label 'tier' must be text of at most 256 characters (quote true, false and numbers: \"true\")"));
        assertThatThrownBy(() -> InventoryLoader.parse("resources.yaml", "version: 1\nresources: [\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InventoryException.class).hasMessageContaining("resources.yaml:").hasMessageContaining("malformed YAML");
    }

    @Test
    void noFileIsAnEmptyInventoryInWhichNothingIsKnown(@TempDir Path dir) throws Exception {
        assertThat(InventoryLoader.load(dir.resolve("resources.yaml"))).isSameAs(Inventory.EMPTY);
        Files.writeString(dir.resolve("resources.yaml"), FILE);
        assertThat(InventoryLoader.load(dir.resolve("resources.yaml")).version()).startsWith("sha256:");
    }
}
