package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

@Command(name = "ls", description = "List requests, newest first. Humans listing pending requests see their review inbox.")
final class ListCommand extends ClientCommand {
    @Option(names = "--status", description = "pending, approved, denied, allowed, expired, cancelled")
    String status;

    @Option(names = "--break-glass", description = "Only the break-glass uses you may review afterwards")
    boolean breakGlass;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many (1-200, default ${DEFAULT-VALUE})")
    int limit;

    @Override
    int run(JsonApi api) {
        String query = "v1/actions?limit=" + limit + (status == null ? "" : "&status=" + java.net.URLEncoder.encode(status, java.nio.charset.StandardCharsets.UTF_8))
                + (breakGlass ? "&break_glass=unreviewed" : "");
        JsonApi.Answer answer = api.get(query, Duration.ofSeconds(30));
        if (!answer.ok()) {
            return fail(answer);
        }
        if (options.json) {
            out().println(Json.text(answer.body()));
        } else {
            JsonNode actions = answer.body().path("actions");
            if (actions.isEmpty()) {
                out().println(breakGlass ? "no break-glass to review" : "no requests");
            }
            for (JsonNode action : actions.values()) {
                String glass = action.has("break_glass") ? "  BREAK-GLASS by " + action.path("break_glass").path("by").asString() : "";
                String expiry = action.has("expires_at") && "pending".equals(action.path("status").asString())
                        ? "  expires in " + ActionPrinter.remaining(Duration.between(Instant.now(), Instant.parse(action.path("expires_at").asString())))
                        : "";
                out().printf("%s  %-9s %-24s %s %s  by %s%s%n", action.path("id").asString(), action.path("status").asString(),
                        action.path("action").asString(), action.path("resource").path("type").asString(),
                        action.path("resource").path("id").asString(), action.path("requester").path("id").asString(), expiry + glass);
            }
        }
        out().flush();
        return ExitCode.OK;
    }
}
