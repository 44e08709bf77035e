package io.countersign.yaml;

/** A configuration file that cannot be used; the message names the file and what is wrong in it. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What is wrong, one line each, as a refused reload records them. */
    public java.util.List<String> reasons() {
        return java.util.List.of(getMessage());
    }
}
