package io.countersign.yaml;


import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * YAML 1.2 reading for configuration files. Jackson 3's YAML module is YAML 1.2, so {@code NO} stays a
 * string (the YAML 1.1 "Norway problem" turned it into false).
 */
public final class Yaml {
    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Yaml() {
    }

    /** @throws ConfigException naming the file, line and column when the text is not well-formed YAML */
    public static JsonNode parse(String file, String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            var location = e.getLocation();
            String where = location == null ? "" : ":" + location.getLineNr() + ":" + location.getColumnNr();
            throw new ConfigException(file + where + ": malformed YAML: " + e.getOriginalMessage());
        }
    }
}
