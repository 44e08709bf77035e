package io.countersign.connectors;

import io.countersign.model.ActionRequest;
import tools.jackson.databind.JsonNode;

/**
 * Runs approved actions on Countersign's side (proxy mode), with credentials that only Countersign holds.
 * A connector serves the actions its {@link ActionPatterns} name; it is chosen from the action and
 * resource alone, which the digest covers, so what runs is decided when the request is made, not by
 * whoever presents the grant.
 */
public sealed interface Connector permits ExecConnector, HttpConnector, SqlConnector {

    String name();

    /** {@code exec}, {@code http} or {@code sql}. */
    String type();

    ActionPatterns actions();

    default boolean serves(ActionRequest request) {
        return actions().matches(request.action());
    }

    /**
     * Checks that {@code payload} is something this connector can run exactly as stated; throws
     * {@link io.countersign.model.InvalidInputException} naming the field ({@code payload.argv[0]}) if not.
     * Called on submit, so reviewers never see an action that cannot run, and again before running.
     */
    void check(JsonNode payload);

    /**
     * Runs the payload once. Never throws for a failure of the thing run (a non-zero exit, an upstream
     * error, a timeout): that is a {@link ConnectorResult} with outcome failed.
     *
     * @param output receives long output as it is produced (exec); may ignore it
     */
    ConnectorResult run(JsonNode payload, OutputSink output);
}
