package io.countersign.connectors;

/** No configured connector runs this action: it can only run in gate mode, by its requester. */
public final class NoConnectorException extends RuntimeException {
    public NoConnectorException(String action) {
        super("no connector on this server runs '" + action + "'; run it yourself with the grant (gate mode) and report the outcome");
    }
}
