package io.countersign.api;

import io.countersign.grants.Grants;
import io.countersign.json.Json;
import io.countersign.json.JsonFields;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.model.Principal;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/grants/verify}: the resource-side check. Any authenticated principal holding a grant
 * may ask whether it is valid for its own audience (required: a grant proves nothing about a resource
 * that does not say who it is) and, with {@code "consume": true}, use it: the first use wins, a second is
 * refused (409 {@code grant_used}) and recorded in the audit log. Limited per caller like submissions.
 */
public final class GrantRoutes implements HttpService {
    private static final Set<String> FIELDS = Set.of("grant", "consume", "audience");

    private final Grants grants;
    private final ActionService actions;
    private final Authenticator authenticator;
    private final long maxBodyBytes;
    private final Clock clock;

    public GrantRoutes(Grants grants, ActionService actions, Authenticator authenticator, long maxBodyBytes, Clock clock) {
        this.grants = grants;
        this.actions = actions;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/verify", this::verify);
    }

    private void verify(ServerRequest request, ServerResponse response) {
        Principal caller = authenticator.authenticate(request);
        JsonFields fields = JsonFields.of(RequestBodies.json(request, maxBodyBytes), "").onlyAllow(FIELDS);
        String token = fields.requiredString("grant", 8192);
        String audience = fields.requiredString("audience", 512);
        boolean consume = fields.optionalBoolean("consume", false);
        actions.throttleGrantChecks(caller);
        Grants.Grant grant = checked(grants, actions, token, clock).grant();
        if (!audience.equals(grant.audience())) {
            throw new io.countersign.grants.InvalidGrantException("the grant is for " + grant.audience() + ", not " + audience);
        }
        ActionRecord record = consume ? actions.useGrant(caller, grant.actionId(), grant.id()) : null;
        ObjectNode body = Json.object();
        body.put("valid", true);
        body.put("grant_id", grant.id());
        body.put("action_id", grant.actionId().value());
        body.put("action", grant.action());
        body.put("digest", grant.digest());
        body.put("audience", grant.audience());
        body.put("subject", grant.subject());
        body.put("expires_at", grant.expiresAt().toString());
        body.put("consumed", consume);
        if (record != null) {
            body.put("status", record.status().wireName());
        }
        JsonResponses.send(response, Status.OK_200, body);
    }

    /** A valid grant and the stored action it is for. */
    record Checked(Grants.Grant grant, ActionRecord action) {
    }

    /** {@link #checked}, and issued for the action {@code id}: a grant for one action never runs another. */
    static Checked checkedFor(Grants grants, ActionService actions, String token, io.countersign.model.ActionId id, Clock clock) {
        Checked checked = checked(grants, actions, token, clock);
        sameAction(checked.grant(), id);
        return checked;
    }

    /**
     * A grant whose signature and times are valid and whose action still has the digest it names: a grant
     * for one action cannot be used for another, nor after the action's payload changed.
     */
    static Checked checked(Grants grants, ActionService actions, String token, Clock clock) {
        Grants.Grant grant = grants.verify(token, clock.instant());
        ActionRecord stored = actions.find(grant.actionId())
                .orElseThrow(() -> new io.countersign.grants.InvalidGrantException("the grant names an action this server does not have"));
        digestMatches(grant, stored);
        return new Checked(grant, stored);
    }

    /** {@link #checked}, against an action already read: issued for that very action, and for its digest. */
    static Grants.Grant checkedAgainst(Grants grants, String token, ActionRecord stored, Clock clock) {
        Grants.Grant grant = grants.verify(token, clock.instant());
        sameAction(grant, stored.id());
        digestMatches(grant, stored);
        return grant;
    }

    private static void sameAction(Grants.Grant grant, io.countersign.model.ActionId id) {
        if (!grant.actionId().equals(id)) {
            throw new io.countersign.grants.InvalidGrantException("the grant is for action " + grant.actionId().value() + ", not " + id.value());
        }
    }

    private static void digestMatches(Grants.Grant grant, ActionRecord stored) {
        if (!stored.digest().equals(grant.digest())) {
            throw new io.countersign.grants.InvalidGrantException("the grant's digest does not match the action's: it was issued for something else");
        }
    }
}
