package io.countersign.kubernetes;

import io.countersign.api.ApiException;
import io.countersign.api.Authenticator;
import io.countersign.api.JsonResponses;
import io.countersign.api.RequestBodies;
import io.countersign.identity.Identities;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.Execution;
import io.countersign.lifecycle.LifecycleException;
import io.countersign.lifecycle.TooManyRequestsException;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.policy.Allow;
import io.countersign.policy.Decision;
import io.countersign.policy.Deny;
import io.countersign.policy.RequireApproval;
import io.countersign.policy.RequirementNotMet;
import io.countersign.store.StoreUnavailableException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/integrations/kubernetes/admission}: a validating admission webhook (AdmissionReview v1).
 * A change by a principal the identities file maps ({@code accounts.kubernetes}) is an action decided by
 * policy: allowed, it is admitted (and its grant used, so it is admitted once); denied, refused with the
 * rule's reason; held, refused with the pending request and where to approve it, and the same change made
 * again after the approval is admitted, once. A dry run is answered from policy alone and stores nothing.
 * Only the API server, presenting the configured principal's API key, may ask.
 */
public final class AdmissionWebhook implements HttpService {
    private static final System.Logger LOG = System.getLogger(AdmissionWebhook.class.getName());
    /** An AdmissionReview carries the object and the object before: twice etcd's 1.5 MiB limit, and some. */
    private static final long MAX_REVIEW_BYTES = 8L * 1024 * 1024;
    static final String ADMITTER = "kubernetes-admission";

    private final KubernetesSettings settings;
    private final ActionService actions;
    private final Supplier<Identities> identities;
    private final Authenticator authenticator;
    private final io.countersign.web.ConsoleLink console;

    public AdmissionWebhook(KubernetesSettings settings, ActionService actions, Supplier<Identities> identities, Authenticator authenticator,
                            io.countersign.web.ConsoleLink console) {
        this.settings = settings;
        this.actions = actions;
        this.identities = identities;
        this.authenticator = authenticator;
        this.console = console;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/admission", this::review);
    }

    private void review(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        if (!caller.id().equals(settings.caller())) {
            throw new ApiException(Status.FORBIDDEN_403, "forbidden", null, "only the API server (principal " + settings.caller()
                    + ") may ask the admission webhook; " + caller.id() + " may not");
        }
        JsonNode review = Json.parse(RequestBodies.raw(request, MAX_REVIEW_BYTES));
        KubernetesChange change = KubernetesChange.of(review);
        Verdict verdict;
        try {
            verdict = decide(change, request);
        } catch (StoreUnavailableException e) {
            verdict = Verdict.refuse(503, "Countersign cannot record the change now; retry shortly");
        } catch (RuntimeException e) {
            // Fail closed, and say so: the API server shows this message to whoever made the change.
            LOG.log(Level.ERROR, "deciding " + change.request().headline() + " failed", e);
            verdict = Verdict.refuse(500, "Countersign could not decide on this change; it is refused");
        }
        ObjectNode answer = Json.object();
        answer.put("apiVersion", "admission.k8s.io/v1");
        answer.put("kind", "AdmissionReview");
        ObjectNode body = answer.putObject("response");
        body.put("uid", change.uid());
        body.put("allowed", verdict.allowed());
        if (!verdict.allowed()) {
            ObjectNode status = body.putObject("status");
            status.put("code", verdict.code());
            status.put("reason", verdict.code() == 403 ? "Forbidden" : verdict.code() == 429 ? "TooManyRequests" : "InternalError");
            status.put("message", verdict.message());
        }
        if (!verdict.warnings().isEmpty()) {
            verdict.warnings().forEach(body.putArray("warnings")::add);
        }
        JsonResponses.send(response, Status.OK_200, answer);
    }

    /** What to tell the API server. */
    private record Verdict(boolean allowed, int code, String message, List<String> warnings) {
        static Verdict admit() {
            return new Verdict(true, 200, null, List.of());
        }

        static Verdict admit(String warning) {
            return new Verdict(true, 200, null, List.of(warning));
        }

        static Verdict refuse(int code, String message) {
            return new Verdict(false, code, message, List.of());
        }
    }

    private Verdict decide(KubernetesChange change, ServerRequest request) {
        if (!settings.governs(change.namespace())) {
            return Verdict.admit();
        }
        Optional<Principal> who = principal(change.username());
        if (who.isEmpty()) {
            return settings.unmapped() == KubernetesSettings.Unmapped.ADMIT ? Verdict.admit()
                    : Verdict.refuse(403, "Countersign does not know the user " + change.username() + ": map them in identities.yaml "
                    + "(accounts.kubernetes) to let them change " + change.request().resource().id());
        }
        Principal principal = who.get();
        if (identities.get().isDisabled(principal.id())) {
            return Verdict.refuse(403, "Countersign refused " + change.request().intent().summary() + ": " + principal.id() + " is disabled");
        }
        if (principal.isHuman() && settings.humans() == KubernetesSettings.Humans.PASS) {
            return Verdict.admit();
        }
        try {
            return change.dryRun() ? dryRun(principal, change) : submit(principal, change, request);
        } catch (RequirementNotMet e) {
            return Verdict.refuse(403, "Countersign refused " + change.request().intent().summary() + ": " + e.getMessage());
        } catch (TooManyRequestsException e) {
            return Verdict.refuse(429, e.getMessage());
        } catch (InvalidInputException e) {
            return Verdict.refuse(403, "Countersign refused " + change.request().intent().summary() + ": " + e.getMessage());
        }
    }

    private Verdict dryRun(Principal principal, KubernetesChange change) {
        Decision decision = actions.preview(principal, change.request());
        return switch (decision) {
            case Allow allow -> Verdict.admit();
            case Deny deny -> Verdict.refuse(403, denial(change, deny, null));
            case RequireApproval held -> Verdict.admit("Countersign: made for real, this change is held for approval (rules "
                    + String.join(", ", held.rules()) + ")");
        };
    }

    private Verdict submit(Principal principal, KubernetesChange change, ServerRequest request) {
        ActionRecord record = actions.submit(principal, change.request()).record();
        String id = record.id().value();
        return switch (record.status()) {
            case ALLOWED, APPROVED -> record.isRunnable() ? admitOnce(principal, record)
                    : Verdict.refuse(403, "Countersign request " + id + " for " + record.request().intent().summary() + " has already been admitted");
            case PENDING -> Verdict.refuse(403, "Countersign is holding " + record.request().intent().summary() + " for approval: request " + id
                    + "; approve it at " + console.to(request, id) + ", and the same change made again is admitted once");
            case DENIED -> Verdict.refuse(403, denial(change, record.decision() instanceof Deny deny ? deny : null, id));
            default -> Verdict.refuse(403, "Countersign request " + id + " is " + record.status().wireName());
        };
    }

    /** Uses the grant: a second admission of the same approval is refused, as a second run would be. */
    private Verdict admitOnce(Principal principal, ActionRecord record) {
        String grant;
        try {
            grant = actions.claimToRun(principal, record);
        } catch (LifecycleException e) {
            return Verdict.refuse(403, "Countersign refused to admit request " + record.id().value() + ": " + e.getMessage());
        }
        actions.recordConnectorOutcome(record.id(), ADMITTER, grant, Execution.Outcome.SUCCEEDED, "admitted by the API server's webhook");
        return Verdict.admit();
    }

    private static String denial(KubernetesChange change, Deny deny, String id) {
        String why = deny == null ? "reviewers denied it" : deny.reason() + (deny.rule() == null ? "" : " (rule " + deny.rule() + ")");
        return "Countersign denied " + change.request().intent().summary() + ": " + why + (id == null ? "" : "; request " + id);
    }

    /** The principal of a Kubernetes user: mapped by accounts.kubernetes, else the human with that id or address. */
    private Optional<Principal> principal(String username) {
        Identities now = identities.get();
        return now.byAccount("kubernetes", username).or(() -> now.human(username));
    }

}
