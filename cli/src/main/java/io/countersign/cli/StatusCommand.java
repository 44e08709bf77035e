package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import java.time.Duration;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

/** {@code countersign status}: what each node runs on, and which lag behind the last policy, identities or inventory loaded. */
@Command(name = "status", description = "Show each node's policy, identities and inventory versions, and which nodes lag.")
final class StatusCommand extends ClientCommand {
    @Override
    int run(JsonApi api) {
        JsonApi.Answer answer = api.get("v1/status", Duration.ofSeconds(30));
        if (!answer.ok()) {
            return fail(answer);
        }
        if (options.json) {
            out().println(Json.text(answer.body()));
            out().flush();
            return ExitCode.OK;
        }
        JsonNode latest = answer.body().path("latest");
        out().println("latest: policy " + shortly(latest.path("policy_version").asString("?")) + ", identities "
                + shortly(latest.path("identities_version").asString("?")) + ", inventory " + shortly(latest.path("inventory_version").asString("?")));
        boolean allInStep = true;
        for (JsonNode node : answer.body().path("nodes")) {
            StringBuilder line = new StringBuilder(node.path("node").asString());
            line.append(node.path("leads").asBoolean() ? " (leads)" : "");
            line.append(": policy ").append(shortly(node.path("policy_version").asString()))
                    .append(", identities ").append(shortly(node.path("identities_version").asString()))
                    .append(", inventory ").append(shortly(node.path("inventory_version").asString()));
            if (!node.path("reporting").asBoolean()) {
                line.append("  NOT REPORTING since ").append(node.path("seen_at").asString());
                allInStep = false;
            }
            if (!node.path("lagging").isEmpty()) {
                line.append("  LAGS in ").append(String.join(", ", node.path("lagging").valueStream().map(JsonNode::asString).toList()));
                allInStep = false;
            }
            out().println(line);
        }
        out().flush();
        return allInStep ? ExitCode.OK : ExitCode.ERROR;
    }

    /** {@code sha256:ab12cd34ef56}: enough to tell versions apart on a line. */
    private static String shortly(String version) {
        return version.startsWith("sha256:") && version.length() > 19 ? version.substring(0, 19) : version;
    }
}
