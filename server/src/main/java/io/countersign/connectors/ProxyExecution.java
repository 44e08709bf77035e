package io.countersign.connectors;

import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.Execution;
import io.countersign.json.Json;
import io.countersign.model.Principal;
import java.lang.System.Logger.Level;
import tools.jackson.databind.node.ObjectNode;

/**
 * Proxy mode: runs a stored, approved action through its connector. The grant is used first (once,
 * and only if the policy in force now still lets the action run), then the connector runs the stored
 * payload, never one sent with the call, and its outcome goes to the audit log.
 */
public final class ProxyExecution {
    private static final System.Logger LOG = System.getLogger(ProxyExecution.class.getName());

    private final ActionService actions;
    private final Connectors connectors;

    public ProxyExecution(ActionService actions, Connectors connectors) {
        this.actions = actions;
        this.connectors = connectors;
    }

    /** What ran and how it went. */
    public record Ran(ActionRecord record, Connector connector, ConnectorResult result) {
    }

    /** The connector that would run this request, if any. */
    public java.util.Optional<Connector> serving(io.countersign.model.ActionRequest request) {
        return connectors.serving(request);
    }

    /** The connector that would run {@code record}; checks the stored request is one it can run, on its resource. */
    public Connector connectorFor(ActionRecord record) {
        Connector connector = connectors.serving(record.request()).orElseThrow(() -> new NoConnectorException(record.request().action()));
        connectors.checkTarget(record.request());
        connector.check(record.request().payload());
        return connector;
    }

    /**
     * Uses the grant and runs the action. Refusals (grant used, not runnable, no longer allowed) are
     * thrown before anything runs.
     */
    public Ran run(Principal caller, ActionRecord record, Connector connector, String grantId, OutputSink output) {
        ActionRecord used = actions.useGrant(caller, record.id(), grantId);
        output.started(connector, used);
        ConnectorResult result;
        try {
            result = connector.run(record.request().payload(), output);
        } catch (RuntimeException e) {
            // A fault of ours, not of the thing run; the action was started, so the outcome is recorded as failed.
            LOG.log(Level.ERROR, "connector " + connector.name() + " failed on " + record.id().value(), e);
            ObjectNode detail = Json.object();
            detail.put("connector", connector.name());
            detail.put("error", "the connector failed unexpectedly");
            result = new ConnectorResult(Execution.Outcome.FAILED, "the connector failed unexpectedly", detail);
        }
        ActionRecord done = actions.recordConnectorOutcome(record.id(), connector.name(), grantId, result.outcome(), result.summary());
        return new Ran(done, connector, result);
    }

    /** Ends every command still running through an exec connector, and all it started: the node is stopping. */
    public static void endRunningCommands() {
        ProcessGroups.killAll();
    }
}
