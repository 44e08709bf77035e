package io.countersign.yaml;

/** Text that is not well-formed YAML, with where the parser gave up. */
public final class MalformedYamlException extends ConfigException {
    private final String file;
    private final int line;
    private final String reason;

    MalformedYamlException(String file, int line, int column, String reason) {
        super(file + (line > 0 ? ":" + line + ":" + column : "") + ": malformed YAML: " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
