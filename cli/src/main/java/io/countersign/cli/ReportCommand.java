package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

@Command(name = "report", description = "Evidence reports for auditors.", subcommands = ReportCommand.Controls.class)
final class ReportCommand extends CommandGroup {
    @Command(name = "controls", description = "Per compliance control: requests, approvals, denials, expiries of a period.")
    static final class Controls extends ClientCommand {
        @Option(names = "--from", description = "First day (2026-11-01) or instant; default 30 days before --to")
        String from;

        @Option(names = "--to", description = "Last day, counted whole (2026-11-30), or an instant (exclusive); default now")
        String to;

        @Override
        int run(JsonApi api) {
            StringBuilder path = new StringBuilder("v1/reports/controls");
            char separator = '?';
            if (from != null) {
                path.append(separator).append("from=").append(URLEncoder.encode(from, StandardCharsets.UTF_8));
                separator = '&';
            }
            if (to != null) {
                path.append(separator).append("to=").append(URLEncoder.encode(to, StandardCharsets.UTF_8));
            }
            JsonApi.Answer answer = api.get(path.toString(), Duration.ofMinutes(5));
            if (!answer.ok()) {
                return fail(answer);
            }
            if (options.json) {
                out().println(Json.text(answer.body()));
            } else {
                print(out(), answer.body());
            }
            out().flush();
            return ExitCode.OK;
        }

        private static void print(PrintWriter out, JsonNode report) {
            out.println("Controls evidence from " + report.path("from").asString() + " to " + report.path("to").asString());
            String format = "%-24s %8s %7s %6s %8s %8s %7s %9s %7s %8s %9s %10s %11s %7s%n";
            out.printf(format, "control", "requests", "allowed", "denied", "approved", "rejected", "expired",
                    "cancelled", "pending", "executed", "approvals", "rejections", "break-glass", "refused");
            for (JsonNode row : report.path("controls").values()) {
                out.printf(format, row.path("control").asString(), row.path("requests").asLong(), row.path("allowed").asLong(),
                        row.path("denied_by_policy").asLong(), row.path("approved").asLong(), row.path("rejected").asLong(),
                        row.path("expired").asLong(), row.path("cancelled").asLong(), row.path("pending").asLong(),
                        row.path("executed").asLong(), row.path("approvals").asLong(), row.path("rejections").asLong(),
                        breakGlass(row), row.path("refused").asLong());
            }
            out.println("denied = by policy; rejected = by a reviewer; break-glass = let through by an admin (unreviewed, disputed);"
                    + " refused = attempts the rules refused (self-review, ineligible or late review, break-glass, unmet require,"
                    + " replayed grant). Each request counts under every control of the rules that decided it.");
        }

        private static String breakGlass(JsonNode row) {
            long uses = row.path("broke_glass").asLong();
            return uses == 0 ? "0" : uses + " (" + row.path("broke_glass_unreviewed").asLong() + ", " + row.path("broke_glass_disputed").asLong() + ")";
        }
    }
}
