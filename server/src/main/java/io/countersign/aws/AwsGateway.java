package io.countersign.aws;

import io.countersign.api.RequestBodies;
import io.countersign.inventory.Inventory;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.Execution;
import io.countersign.lifecycle.LifecycleException;
import io.countersign.lifecycle.TooManyRequestsException;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.model.Resource;
import io.countersign.policy.Deny;
import io.countersign.policy.RequirementNotMet;
import io.countersign.store.StoreUnavailableException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /aws/}: the AWS API as the AWS SDKs and CLI speak it. Each signed call becomes an action
 * ({@code aws.<service>.<Operation>} on the resource it names, its parameters as payload), decided by policy
 * like any other. Allowed or approved, it is claimed (it runs once), signed again with the gateway's own
 * credentials and sent to AWS, and AWS's answer goes back as it came. Held, it is answered with an error in
 * the SDK's own shape; the same call made again after the approval is the approved action and runs.
 */
public final class AwsGateway implements HttpService {
    private static final System.Logger LOG = System.getLogger(AwsGateway.class.getName());
    /** The name the gateway records its runs under, as a connector does. */
    static final String CONNECTOR = "aws-gateway";

    private final AwsSettings settings;
    private final AwsSignatureCheck signatures;
    private final AwsUpstream upstream;
    private final ActionService actions;
    private final Supplier<Inventory> inventory;
    private final io.countersign.web.ConsoleLink console;
    private final Clock clock;

    public AwsGateway(AwsSettings settings, AwsKeys keys, Supplier<io.countersign.identity.Identities> identities,
                      io.countersign.channels.ReplayGuard replays, AwsUpstream upstream, ActionService actions, Supplier<Inventory> inventory,
                      io.countersign.web.ConsoleLink console, Clock clock) {
        this.settings = settings;
        this.signatures = new AwsSignatureCheck(keys, identities, replays);
        this.upstream = upstream;
        this.actions = actions;
        this.inventory = inventory;
        this.console = console;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        // /aws, /aws/ and anything under it: SDKs join the endpoint's path and the call's in their own ways.
        rules.any(this::call).any("/*", this::call);
    }

    /**
     * Whether a request to the server's root is an AWS call: the AWS SDK for Java v2 drops an endpoint's path
     * for Query-protocol services, so a signed POST to {@code /} is served here too.
     */
    public static boolean isSigned(ServerRequest request) {
        return request.headers().first(HeaderNames.AUTHORIZATION).map(value -> value.startsWith(SigV4.ALGORITHM + " ")).orElse(false);
    }

    /** Answers one AWS call, wherever it was routed from. */
    public void call(ServerRequest request, ServerResponse response) {
        Map<String, List<String>> headers = headers(request);
        // Until the signature names the service, the body's content type says which shape an error takes.
        AwsSettings.Protocol protocol = first(headers, "content-type").toLowerCase(Locale.ROOT).contains("amz-json")
                ? AwsSettings.Protocol.JSON : AwsSettings.Protocol.QUERY;
        try {
            byte[] body = RequestBodies.raw(request, AwsCall.MAX_BODY);
            AwsSignatureCheck.Signed signed = signatures.check(request.prologue().method().text(),
                    // The path as sent, not the part under /aws that routing left.
                    request.prologue().uriPath().rawPath(),
                    request.query().rawValue(), headers, body, settings.services(), clock.instant());
            AwsSettings.Service service = settings.services().get(signed.scope().service());
            protocol = service.protocol();
            AwsCall call;
            try {
                call = AwsCall.parse(service, first(headers, "content-type"), headers.containsKey("x-amz-target")
                        ? first(headers, "x-amz-target") : null, request.query().rawValue(), body);
            } catch (InvalidInputException e) {
                throw new AwsRefusal(AwsError.invalidParameter(e.getMessage()));
            }
            decide(signed.principal(), call, request, response);
        } catch (AwsRefusal refusal) {
            send(response, protocol, refusal.error());
        }
    }

    private void decide(Principal caller, AwsCall call, ServerRequest request, ServerResponse response) {
        ActionRecord record;
        try {
            ActionRequest draft = new ActionRequest(call.action(), AwsResources.of(call), new Intent(call.action(), null, null),
                    call.parameters(), context(call), null);
            // The headline names the resource as the inventory knows it (its env), as people will read it.
            Resource known = inventory.get().resolve(draft).request().resource();
            ActionRequest action = new ActionRequest(draft.action(), draft.resource(), new Intent(AwsResources.headline(call, known), null, null),
                    draft.payload(), draft.context(), null);
            record = actions.submit(caller, action).record();
        } catch (TooManyRequestsException e) {
            throw new AwsRefusal(AwsError.throttling(e.getMessage(), null));
        } catch (RequirementNotMet e) {
            throw new AwsRefusal(AwsError.accessDenied("Countersign refused the call: " + e.getMessage(), null));
        } catch (InvalidInputException | LifecycleException e) {
            throw new AwsRefusal(AwsError.invalidParameter(e.getMessage()));
        } catch (StoreUnavailableException e) {
            throw new AwsRefusal(AwsError.unavailable("Countersign cannot record the call now; retry shortly", null));
        }
        String id = record.id().value();
        switch (record.status()) {
            case ALLOWED, APPROVED -> {
                if (!record.isRunnable()) {
                    throw new AwsRefusal(AwsError.accessDenied("Countersign request " + id + " has already run", id));
                }
                run(caller, record, call, response);
            }
            case PENDING -> {
                String where = console.to(request, id);
                String message = "Countersign is holding this call for approval: request " + id + " (" + record.request().intent().summary()
                        + "); approve it at " + where + ", then make the same call again";
                send(response, call.service().protocol(), settings.held() == AwsSettings.Held.RETRY
                        ? AwsError.throttling(message, id) : AwsError.accessDenied(message, id));
            }
            case DENIED -> {
                String why = record.decision() instanceof Deny deny
                        ? deny.reason() + (deny.rule() == null ? "" : " (rule " + deny.rule() + ")") : "reviewers denied it";
                send(response, call.service().protocol(), AwsError.accessDenied("Countersign denied the call: " + why + "; request " + id, id));
            }
            default -> send(response, call.service().protocol(), AwsError.accessDenied("Countersign request " + id + " is "
                    + record.status().wireName(), id));
        }
    }

    /** Claims the action (a second run of the same approval is refused) and forwards it. */
    private void run(Principal caller, ActionRecord record, AwsCall call, ServerResponse response) {
        String grant;
        try {
            grant = actions.claimToRun(caller, record);
        } catch (LifecycleException e) {
            throw new AwsRefusal(AwsError.accessDenied("Countersign refused to run request " + record.id().value() + ": " + e.getMessage(),
                    record.id().value()));
        }
        AwsUpstream.Answer answer;
        try {
            answer = upstream.send(call);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "forwarding " + call.action() + " (" + record.id().value() + ") failed: " + e.getMessage());
            actions.recordConnectorOutcome(record.id(), CONNECTOR, grant, Execution.Outcome.FAILED, "AWS could not be reached: " + e.getMessage());
            send(response, call.service().protocol(), AwsError.unavailable("Countersign could not reach AWS; request " + record.id().value()
                    + " was used and is recorded as failed: make the call again to ask anew", record.id().value()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            actions.recordConnectorOutcome(record.id(), CONNECTOR, grant, Execution.Outcome.FAILED, "the node stopped while AWS answered");
            throw new AwsRefusal(AwsError.unavailable("Countersign is stopping", record.id().value()));
        }
        boolean succeeded = answer.status() / 100 == 2;
        actions.recordConnectorOutcome(record.id(), CONNECTOR, grant, succeeded ? Execution.Outcome.SUCCEEDED : Execution.Outcome.FAILED,
                "AWS answered HTTP " + answer.status());
        response.status(Status.create(answer.status()));
        answer.headers().forEach((name, value) -> response.header(name, value));
        response.send(answer.body());
    }

    private static ObjectNode context(AwsCall call) {
        ObjectNode context = Json.object();
        context.put("via", CONNECTOR);
        context.put("aws_region", call.service().region());
        return context;
    }


    private static void send(ServerResponse response, AwsSettings.Protocol protocol, AwsError error) {
        response.status(Status.create(error.status()));
        response.header(HeaderNames.CONTENT_TYPE, AwsError.contentType(protocol));
        response.header("x-amzn-RequestId", error.requestId());
        response.send(error.body(protocol));
    }

    private static Map<String, List<String>> headers(ServerRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (var header : request.headers()) {
            headers.computeIfAbsent(SigV4.headerName(header.name()), k -> new ArrayList<>()).addAll(header.allValues());
        }
        return headers;
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? "" : values.getFirst();
    }
}
