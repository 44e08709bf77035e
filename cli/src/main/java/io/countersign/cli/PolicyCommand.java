package io.countersign.cli;

import io.countersign.client.JsonApi;
import io.countersign.api.PolicyRepresentation;
import io.countersign.identity.Identities;
import io.countersign.json.ActionRequestJson;
import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.policy.ControlCatalog;
import io.countersign.policy.Explanation;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyException;
import io.countersign.policy.PolicyLoader;
import io.countersign.policy.PolicyProblem;
import io.countersign.policy.PolicyTestRunner;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "policy", description = "Check, test and explain policies.",
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Test.class, PolicyCommand.Explain.class, PolicyCommand.Controls.class})
final class PolicyCommand extends CommandGroup {
    /** Shared by the offline commands: the directory, its identities, and loading with every problem printed. */
    abstract static class Offline implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", arity = "0..1", defaultValue = PolicyFiles.DEFAULT_DIRECTORY,
                description = "Policy directory (default ${DEFAULT-VALUE})")
        Path directory;

        @Option(names = "--identities", description = "Identities file, to check approver groups and resolve 'as' (default DIR/../identities.yaml)")
        Path identitiesFile;

        @Option(names = "--resources", description = "Resource inventory requests are decided with, as the server would (default DIR/../resources.yaml)")
        Path resourcesFile;

        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        /** The loaded policy, or null after printing every problem. */
        Policy load(Identities identities) {
            try {
                return new PolicyLoader(identities == null ? null : identities.groups()).load(directory);
            } catch (PolicyException e) {
                for (PolicyProblem problem : e.problems()) {
                    err().println(problem.toString().isEmpty() ? e.getMessage() : problem);
                }
                err().println("countersign: " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s")
                        + " in " + directory + "; this policy would not be activated");
                err().flush();
                return null;
            }
        }
    }

    @Command(name = "check", description = "Validate a policy directory (YAML, CEL types, ids, groups, controls, TTLs) and the resource"
            + " inventory beside it (exit 1 on any problem).")
    static final class Check extends Offline {
        @Override
        public Integer call() {
            Identities identities = PolicyFiles.identities(directory, identitiesFile);
            Policy policy = load(identities);
            if (policy == null) {
                return ExitCode.ERROR;
            }
            io.countersign.inventory.Inventory inventory;
            try {
                inventory = PolicyFiles.inventory(directory, resourcesFile);
            } catch (io.countersign.inventory.InventoryException e) {
                e.problems().forEach(err()::println);
                err().println("countersign: " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s")
                        + " in the resource inventory; it would not be activated");
                err().flush();
                return ExitCode.ERROR;
            } catch (ConfigException e) {
                err().println("countersign: " + e.getMessage());
                return ExitCode.ERROR;
            }
            out().println("ok: " + policy.rules().size() + " rules in " + policy.files().size() + " file"
                    + (policy.files().size() == 1 ? "" : "s") + ", default " + policy.defaultEffect().wireName()
                    + ", version " + policy.version());
            if (identities == null) {
                out().println("note: no identities file found, so approver groups were not checked (use --identities)");
            }
            out().println(inventory == io.countersign.inventory.Inventory.EMPTY
                    ? "note: no resource inventory found: every resource is unknown to policy (resource.known == false)"
                    : "ok: " + inventory.entries().size() + " resources in the inventory, version " + inventory.version());
            out().flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "test", description = "Run the *_test.yaml cases beside the policies (exit 1 if any fails).")
    static final class Test extends Offline {
        @Override
        public Integer call() {
            Identities identities = PolicyFiles.identities(directory, identitiesFile);
            Policy policy = load(identities);
            if (policy == null) {
                return ExitCode.ERROR;
            }
            List<PolicyTestRunner.Result> results;
            try {
                PolicyTestRunner runner = new PolicyTestRunner(policy,
                        id -> identities == null ? Optional.empty() : identities.byId(id), PolicyFiles.inventory(directory, resourcesFile));
                results = runner.runDirectory(directory);
            } catch (ConfigException e) {
                err().println("countersign: " + e.getMessage());
                return ExitCode.ERROR;
            }
            if (results.isEmpty()) {
                err().println("countersign: no tests found (files named *_test.yaml in " + directory + ")");
                return ExitCode.ERROR;
            }
            long failed = 0;
            for (PolicyTestRunner.Result result : results) {
                if (result.passed()) {
                    out().println("PASS " + result.file() + ":" + result.line() + " " + result.name());
                } else {
                    failed++;
                    out().println("FAIL " + result.file() + ":" + result.line() + " " + result.name());
                    result.differences().forEach(d -> out().println("    " + d));
                }
            }
            out().println((results.size() - failed) + " passed, " + failed + " failed (policy " + policy.version() + ")");
            out().flush();
            return failed == 0 ? ExitCode.OK : ExitCode.ERROR;
        }
    }

    @Command(name = "explain", description = "Show which rules match a request and why the others do not. "
            + "Asks the server's active policy, or evaluates --policies DIR locally.")
    static final class Explain extends ClientCommand {
        @Option(names = "--request", required = true, description = "The request as JSON (what POST /v1/actions takes)")
        Path requestFile;

        @Option(names = "--as", description = "Evaluate as this principal (humans only, against a server; required with --policies)")
        String as;

        @Option(names = "--policies", description = "Evaluate this policy directory locally instead of asking the server")
        Path policies;

        @Option(names = "--identities", description = "With --policies: identities file (default DIR/../identities.yaml)")
        Path identitiesFile;

        @Option(names = "--resources", description = "With --policies: resource inventory (default DIR/../resources.yaml)")
        Path resourcesFile;

        @Override
        int run(JsonApi api) {
            JsonNode request;
            try {
                request = Json.parse(Files.readAllBytes(requestFile));
            } catch (IOException e) {
                err().println("countersign: cannot read " + requestFile + ": " + e.getMessage());
                return ExitCode.ERROR;
            } catch (InvalidInputException e) {
                err().println("countersign: " + requestFile + ": " + e.getMessage());
                return ExitCode.ERROR;
            }
            JsonNode explanation;
            if (policies != null) {
                explanation = local(request);
                if (explanation == null) {
                    return ExitCode.ERROR;
                }
            } else {
                JsonApi.Answer answer = api.post("v1/policy/evaluate" + (as == null ? "" : "?as="
                        + java.net.URLEncoder.encode(as, java.nio.charset.StandardCharsets.UTF_8)), request);
                if (!answer.ok()) {
                    return fail(answer);
                }
                explanation = answer.body();
            }
            if (options.json) {
                out().println(Json.text(explanation));
            } else {
                print(out(), explanation);
            }
            out().flush();
            return ExitCode.OK;
        }

        private JsonNode local(JsonNode request) {
            Identities identities = PolicyFiles.identities(policies, identitiesFile);
            if (as == null) {
                err().println("countersign: --policies needs --as PRINCIPAL (who makes the request)");
                return null;
            }
            Principal principal = identities == null ? null : identities.byId(as).orElse(null);
            if (principal == null) {
                err().println("countersign: --as " + as + ": no such principal" + (identities == null ? " (no identities file found; use --identities)" : ""));
                return null;
            }
            Policy policy;
            io.countersign.inventory.Inventory inventory;
            try {
                policy = new PolicyLoader(identities.groups()).load(policies);
                inventory = PolicyFiles.inventory(policies, resourcesFile);
            } catch (ConfigException e) {
                err().println(e.getMessage());
                return null;
            }
            try {
                Explanation explanation = policy.explain(inventory.inputFor(principal, ActionRequestJson.fromJson(request), Instant.now()));
                return PolicyRepresentation.of(explanation, principal.id());
            } catch (InvalidInputException e) {
                err().println("countersign: " + requestFile + ": " + e.getMessage() + (e.field() == null ? "" : " (field: " + e.field() + ")"));
                return null;
            }
        }

        static void print(PrintWriter out, JsonNode explanation) {
            String effect = explanation.path("effect").asString();
            out.println("decision: " + effect + " for " + explanation.path("principal").asString()
                    + " (policy " + explanation.path("policy_version").asString() + ")");
            if (effect.equals("refused")) {
                out.println("  refused by rule " + explanation.path("refused").path("rule").asString() + ": "
                        + explanation.path("refused").path("message").asString());
            }
            JsonNode decision = explanation.path("decision");
            if (decision.has("reason")) {
                out.println("  reason: " + decision.path("reason").asString());
            }
            if (decision.has("quorum")) {
                JsonNode requirements = decision.path("quorum").path("requirements");
                boolean staged = requirements.values().stream().anyMatch(r -> r.has("stage") || r.has("any_of"));
                for (JsonNode requirement : requirements.values()) {
                    String from = requirement.path("from").isEmpty() ? "any human"
                            : String.join(" or ", requirement.path("from").values().stream().map(JsonNode::asString).toList());
                    out.println("  " + (staged ? "stage " + requirement.path("stage").asInt(1) + ": " : "") + "needs "
                            + requirement.path("min").asInt() + " approval(s) from " + from + " (rule " + requirement.path("rule").asString() + ")"
                            + (requirement.has("any_of") ? ", or one of its alternatives (any_of " + requirement.path("any_of").asInt() + ")" : ""));
                }
                out.println("  expires after " + decision.path("ttl").asString() + ", justification " + decision.path("justification").asString());
                JsonNode nudges = decision.path("nudges");
                if (nudges.has("remind_after")) {
                    out.println("  reminds a stage's reviewers after " + nudges.path("remind_after").asString() + " in it");
                }
                if (nudges.has("escalate_after")) {
                    out.println("  after " + nudges.path("escalate_after").asString() + " in a stage, "
                            + String.join(" and ", nudges.path("escalate_to").values().stream().map(JsonNode::asString).toList())
                            + " may review it too");
                }
                if (nudges.path("notify_requester").asBoolean(false)) {
                    out.println("  tells the people behind the request of each review");
                }
            }
            out.println("rules:");
            for (JsonNode rule : explanation.path("rules").values()) {
                boolean matched = rule.path("matched").asBoolean();
                String where = rule.path("file").asString() + ":" + rule.path("line").asInt();
                StringBuilder line = new StringBuilder(matched ? "  match    " : "  no match ")
                        .append(rule.path("id").asString()).append(" (").append(rule.path("effect").asString())
                        .append(", ").append(where).append(")");
                if (rule.has("why")) {
                    line.append(": ").append(rule.path("why").asString());
                }
                if (rule.has("requirement_met")) {
                    line.append(rule.path("requirement_met").asBoolean() ? "; require holds" : "; require does NOT hold");
                }
                out.println(line);
            }
        }
    }

    @Command(name = "controls", description = "List the compliance controls rules may name in 'controls'.")
    static final class Controls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ControlCatalog.all().forEach((id, title) -> out.printf("%-24s %s%n", id, title));
            out.flush();
            return ExitCode.OK;
        }
    }

}
