package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;


import io.countersign.identity.ApiKeys;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.GroupVersionResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfoBuilder;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The validating admission webhook, asked as the API server asks: AdmissionReview v1 requests built from the
 * fabric8 Kubernetes client's model classes (the exact wire types), answers read back into them.
 */
class KubernetesAdmissionTest {
    private static final String BOT = "system:serviceaccount:prod:deploy-bot";
    private static final tools.jackson.databind.json.JsonMapper WIRE = io.countersign.json.Json.MAPPER;

    @TempDir
    Path directory;
    private TestServer server;
    private String apiServerKey;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        ConfigDirectory.ensureExample(directory);
        apiServerKey = ApiKeys.generate();
        Path identities = directory.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("    owner: carol\n",
                "    owner: carol\n    accounts: {kubernetes: \"" + BOT + "\"}\n") + """
                  - id: kube-apiserver
                    kind: service
                    name: The cluster's API server
                    api_keys: [%s]
                """.formatted(ApiKeys.hash(apiServerKey)));
        Path settings = directory.resolve("countersign.yaml");
        Files.writeString(settings, Files.readString(settings) + """
                kubernetes:
                  caller: kube-apiserver
                  namespaces: [prod, staging, kube-system]
                """);
        server = TestServer.start(directory);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Deployment deployment(String namespace, int replicas, String resourceVersion) {
        return new DeploymentBuilder().withNewMetadata().withName("api").withNamespace(namespace)
                .withUid(UUID.randomUUID().toString()).withResourceVersion(resourceVersion).withGeneration(7L)
                .withCreationTimestamp("2026-12-01T10:00:00Z")
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("deploy-bot").withOperation("Update")
                        .withTime(Instant.now().toString()).build())
                .endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", "api").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "api").endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage("registry.example.com/api:1.4.2").endContainer().endSpec()
                .endTemplate().endSpec().build();
    }

    private static AdmissionReview review(String operation, String user, String kind, String group, String namespace, String name,
                                          KubernetesResource object, KubernetesResource old, boolean dryRun) {
        return new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
                .withRequest(new AdmissionRequestBuilder().withUid(UUID.randomUUID().toString())
                        .withKind(new GroupVersionKind(group, kind, "v1"))
                        .withResource(new GroupVersionResource(group, kind.toLowerCase() + "s", "v1"))
                        .withRequestKind(new GroupVersionKind(group, kind, "v1"))
                        .withName(name).withNamespace(namespace).withOperation(operation)
                        .withUserInfo(new UserInfoBuilder().withUsername(user).withUid("u-1").addToGroups("system:serviceaccounts").build())
                        .withObject(object).withOldObject(old).withDryRun(dryRun).build())
                .build();
    }

    private record Answered(int status, AdmissionResponse response, String body) {
    }

    private Answered ask(AdmissionReview review, String key) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.uri("/v1/integrations/kubernetes/admission"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(WIRE.writeValueAsString(review))).build(), HttpResponse.BodyHandlers.ofString());
        AdmissionResponse response = answer.statusCode() == 200 ? WIRE.readValue(answer.body(), AdmissionReview.class).getResponse() : null;
        return new Answered(answer.statusCode(), response, answer.body());
    }

    private Answered ask(AdmissionReview review) throws Exception {
        Answered answered = ask(review, apiServerKey);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(answered.response().getUid()).isEqualTo(review.getRequest().getUid());
        return answered;
    }

    @Test
    void aStagingChangeIsAdmittedAndRecorded() throws Exception {
        Answered answer = ask(review("UPDATE", BOT, "Deployment", "apps", "staging", "api",
                deployment("staging", 4, "100"), deployment("staging", 3, "100"), false));
        assertThat(answer.response().getAllowed()).isTrue();
        JsonNode action = server.get("carol", "/v1/actions?status=executed&limit=5").body().path("actions").get(0);
        assertThat(action.path("action").asString()).isEqualTo("k8s.update");
        assertThat(action.path("resource").path("id").asString()).isEqualTo("staging/api");
        assertThat(action.path("intent").path("summary").asString()).isEqualTo("Kubernetes update of Deployment staging/api");
        assertThat(action.path("payload").path("changes")).singleElement().satisfies(change -> {
            assertThat(change.path("path").asString()).isEqualTo("/spec/replicas");
            assertThat(change.path("from").asInt()).isEqualTo(3);
            assertThat(change.path("to").asInt()).isEqualTo(4);
        });
    }

    @Test
    void aProductionChangeIsHeldThenTheControllersRetryIsAdmittedOnce() throws Exception {
        Answered held = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api",
                deployment("prod", 5, "200"), deployment("prod", 3, "200"), false));
        assertThat(held.response().getAllowed()).isFalse();
        assertThat(held.response().getStatus().getCode()).isEqualTo(403);
        String id = server.get("alice", "/v1/actions?status=pending&limit=5").ids().getFirst();
        assertThat(held.response().getStatus().getMessage()).contains("holding Kubernetes update of Deployment prod/api for approval")
                .contains("request " + id).contains("/requests/" + id);

        // The controller retries while it waits: the same change, so the same request (new uid, new timestamps).
        Answered waiting = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api",
                deployment("prod", 5, "200"), deployment("prod", 3, "200"), false));
        assertThat(waiting.response().getAllowed()).isFalse();
        assertThat(server.get("alice", "/v1/actions?status=pending&limit=5").ids()).containsExactly(id);

        assertThat(server.review("alice", id, "approve", "scale up for the sale").status()).isEqualTo(200);
        Answered admitted = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api",
                deployment("prod", 5, "200"), deployment("prod", 3, "200"), false));
        assertThat(admitted.response().getAllowed()).isTrue();
        assertThat(server.get("carol", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("executed");

        // Once: the same change again is a new request for reviewers.
        Answered again = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api",
                deployment("prod", 5, "200"), deployment("prod", 3, "200"), false));
        assertThat(again.response().getAllowed()).isFalse();
        assertThat(server.get("alice", "/v1/actions?status=pending&limit=5").ids()).hasSize(1).doesNotContain(id);

        // A different change is not covered by that approval.
        Answered other = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api",
                deployment("prod", 50, "200"), deployment("prod", 3, "200"), false));
        assertThat(other.response().getAllowed()).isFalse();
    }

    @Test
    void aScalePatchIsAChangeOfTheDeploymentItBelongsTo() throws Exception {
        var scale = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder().withApiVersion("autoscaling/v1").withKind("Scale")
                .withNewMetadata().withName("api").withNamespace("prod").endMetadata()
                .addToAdditionalProperties("spec", java.util.Map.of("replicas", 5)).build();
        var before = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder().withApiVersion("autoscaling/v1").withKind("Scale")
                .withNewMetadata().withName("api").withNamespace("prod").endMetadata()
                .addToAdditionalProperties("spec", java.util.Map.of("replicas", 3)).build();
        AdmissionReview review = review("UPDATE", BOT, "Scale", "autoscaling", "prod", "api", scale, before, false);
        review.getRequest().setResource(new GroupVersionResource("apps", "deployments", "v1"));
        review.getRequest().setSubResource("scale");
        review.getRequest().setOptions(new io.fabric8.kubernetes.api.model.PatchOptionsBuilder().withFieldManager("kubectl").build());
        Answered held = ask(review);
        assertThat(held.response().getAllowed()).isFalse();
        assertThat(held.response().getStatus().getMessage()).contains("holding Kubernetes patch of deployments/scale prod/api for approval");
        JsonNode action = server.get("alice", "/v1/actions/" + server.get("alice", "/v1/actions?status=pending&limit=5").ids().getFirst()).body();
        assertThat(action.path("action").asString()).isEqualTo("k8s.patch.scale");
        assertThat(action.path("resource").path("type").asString()).isEqualTo("k8s.deployment");
        assertThat(action.path("resource").path("env").asString()).isEqualTo("prod");
    }

    @Test
    void aDryRunNeverCreatesAPendingRequest() throws Exception {
        Answered dry = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api",
                deployment("prod", 5, "300"), deployment("prod", 3, "300"), true));
        assertThat(dry.response().getAllowed()).isTrue();
        assertThat(dry.response().getWarnings()).singleElement().asString().contains("held for approval").contains("prod-changes");
        assertThat(server.get("alice", "/v1/actions?status=pending&limit=5").ids()).isEmpty();

        Answered deniedDry = ask(review("DELETE", BOT, "Namespace", "", null, "payments", null,
                new NamespaceBuilder().withNewMetadata().withName("payments").endMetadata().build(), true));
        assertThat(deniedDry.response().getAllowed()).isFalse();
        assertThat(deniedDry.response().getStatus().getMessage()).contains("rule no-namespace-deletes");
        assertThat(server.get("carol", "/v1/actions?limit=5").ids()).isEmpty();
    }

    @Test
    void aDeniedChangeIsRefusedWithTheRulesReason() throws Exception {
        Answered denied = ask(review("DELETE", BOT, "Namespace", "", null, "payments", null,
                new NamespaceBuilder().withNewMetadata().withName("payments").endMetadata().build(), false));
        assertThat(denied.response().getAllowed()).isFalse();
        assertThat(denied.response().getStatus().getMessage()).contains("Countersign denied Kubernetes delete of Namespace payments")
                .contains("(rule no-namespace-deletes)");
    }

    @Test
    void aLargeConfigMapIsHeldWhole() throws Exception {
        String data = "x".repeat(1_000_000);
        var configMap = new ConfigMapBuilder().withNewMetadata().withName("big").withNamespace("prod").endMetadata()
                .addToData("blob", data).build();
        long started = System.nanoTime();
        Answered held = ask(review("CREATE", BOT, "ConfigMap", "", "prod", "big", configMap, null, false));
        assertThat(held.response().getAllowed()).isFalse();
        assertThat(System.nanoTime() - started).as("well within the API server's 10 s webhook timeout").isLessThan(10_000_000_000L);
        String id = server.get("alice", "/v1/actions?status=pending&limit=5").ids().getFirst();
        JsonNode stored = server.get("carol", "/v1/actions/" + id).body();
        assertThat(stored.path("payload").path("object").path("data").path("blob").asString()).hasSize(1_000_000);
    }

    @Test
    void peopleAndUnmappedControllersPassOtherNamespacesAreNotAsked() throws Exception {
        assertThat(ask(review("UPDATE", "alice@example.com", "Deployment", "apps", "prod", "api",
                deployment("prod", 9, "1"), deployment("prod", 3, "1"), false)).response().getAllowed()).isTrue();
        assertThat(ask(review("UPDATE", "system:serviceaccount:kube-system:deployment-controller", "Deployment", "apps", "prod", "api",
                deployment("prod", 9, "1"), deployment("prod", 3, "1"), false)).response().getAllowed()).isTrue();
        assertThat(ask(review("UPDATE", BOT, "Deployment", "apps", "payments", "api",
                deployment("payments", 9, "1"), deployment("payments", 3, "1"), false)).response().getAllowed()).isTrue();
        assertThat(server.get("carol", "/v1/actions?limit=5").ids()).isEmpty();
    }

    @Test
    void onlyTheApiServerMayAsk() throws Exception {
        Answered agent = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api", deployment("prod", 5, "1"),
                deployment("prod", 3, "1"), false), server.key("agent"));
        assertThat(agent.status()).isEqualTo(403);
        assertThat(agent.body()).contains("only the API server (principal kube-apiserver)");
        Answered nobody = ask(review("UPDATE", BOT, "Deployment", "apps", "prod", "api", deployment("prod", 5, "1"),
                deployment("prod", 3, "1"), false), "not-a-key");
        assertThat(nobody.status()).isEqualTo(401);
    }

    @Test
    void aMalformedReviewIsA400NamingTheField() throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.uri("/v1/integrations/kubernetes/admission"))
                .header("Authorization", "Bearer " + apiServerKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("request.uid");
    }
}
