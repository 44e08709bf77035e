package io.countersign.yaml;


import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
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
            throw malformed(file, e);
        }
    }

    /** Like {@link #parse} but also records the line of every node, for messages about content. */
    public static YamlDocument parseWithLines(String file, String text) {
        try (JsonParser parser = MAPPER.createParser(text)) {
            JsonNode root = MAPPER.readTree(text);
            return new YamlDocument(file, root, YamlDocument.lines(parser));
        } catch (JacksonException e) {
            throw malformed(file, e);
        }
    }

    private static MalformedYamlException malformed(String file, JacksonException e) {
        var location = e.getLocation();
        return location == null
                ? new MalformedYamlException(file, 0, 0, e.getOriginalMessage())
                : new MalformedYamlException(file, location.getLineNr(), location.getColumnNr(), e.getOriginalMessage());
    }
}
