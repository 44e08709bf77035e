package io.countersign.policy;

/**
 * A policy that cannot be loaded. The message names the file, the rule and the reason; a policy that
 * fails to load is never activated.
 */
public class PolicyException extends io.countersign.yaml.ConfigException {
    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
