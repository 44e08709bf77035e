package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.mcp.ToolNames.Tool;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolNamesTest {
    @Test
    void aToolKeepsItsOwnNameUnlessAnotherWouldBeOfferedUnderIt() {
        Map<Tool, String> names = ToolNames.assign(List.of(new Tool("fs", "read_file"), new Tool("fs", "search"),
                new Tool("docs", "search"), new Tool("docs", "fetch")));

        assertThat(names).containsExactly(Map.entry(new Tool("fs", "read_file"), "read_file"), Map.entry(new Tool("fs", "search"), "fs_search"),
                Map.entry(new Tool("docs", "search"), "docs_search"), Map.entry(new Tool("docs", "fetch"), "fetch"));
    }

    @Test
    void aToolWhoseOwnNameIsAnothersPrefixedNameIsPrefixedInTurn() {
        Map<Tool, String> names = ToolNames.assign(List.of(new Tool("a", "echo"), new Tool("b", "echo"), new Tool("c", "a_echo")));

        assertThat(names.values()).containsExactly("a_echo", "b_echo", "c_a_echo");
    }

    @Test
    void toolsNoPrefixCanTellApartAreRefusedByName() {
        // a/b_x meets z/b_x and a_b/x meets y/x: both become a_b_x.
        List<Tool> tools = List.of(new Tool("a", "b_x"), new Tool("z", "b_x"), new Tool("a_b", "x"), new Tool("y", "x"));

        assertThatThrownBy(() -> ToolNames.assign(tools)).isInstanceOf(ToolNames.Ambiguous.class)
                .hasMessage("tools a/b_x and a_b/x would both be offered as a_b_x; rename one of their servers in the settings");
    }
}
