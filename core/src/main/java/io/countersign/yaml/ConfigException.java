package io.countersign.yaml;

/** A configuration file that cannot be used; the message names the file and what is wrong in it. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
