package dev.egret.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NamePatternTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            // exact names: case, trailing dot, label boundary
            "github.com,            github.com,          true",
            "github.com,            GitHub.COM.,         true",
            "github.com.,           github.com,          true",
            "github.com,            evilgithub.com,      false",
            "github.com,            api.github.com,      false",
            "github.com,            github.com.evil.io,  false",
            // * within one label
            "*.github.com,          api.github.com,      true",
            "*.github.com,          API.GITHUB.COM.,     true",
            "*.github.com,          github.com,          false",
            "*.github.com,          a.b.github.com,      false",
            "*.github.com,          evilgithub.com,      false",
            "*.github.com,          api.evilgithub.com,  false",
            "api-*.example.com,     api-eu.example.com,  true",
            "api-*.example.com,     api-.example.com,    true",
            "api-*.example.com,     apix.example.com,    false",
            "*-cdn.example.com,     eu-cdn.example.com,  true",
            "a*b.example.com,       axxb.example.com,    true",
            "a*b.example.com,       axxc.example.com,    false",
            "sub.*.example.com,     sub.x.example.com,   true",
            "sub.*.example.com,     sub.x.y.example.com, false",
            // ** spans one or more labels
            "**.github.com,         a.github.com,        true",
            "**.github.com,         a.b.c.github.com,    true",
            "**.github.com,         github.com,          false",
            "**.github.com,         evilgithub.com,      false",
            "**.github.com,         a.evilgithub.com,    false",
            "**.*.github.com,       a.b.github.com,      true",
            "**.*.github.com,       b.github.com,        false",
            // a lone * matches everything
            "*,                     anything.example,    true",
            "*,                     localhost,           true",
    })
    void matches(String pattern, String name, boolean expected) {
        assertEquals(expected, NamePattern.compile(pattern).matches(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a..b", ".a.com", "a.com..", "**", "**.", "a.**.com", "a**.com", "*.**.com",
            "exa mple.com", "exa$mple.com", "ex/ample.com"})
    void invalidPatternsAreRejected(String pattern) {
        assertThrows(IllegalArgumentException.class, () -> NamePattern.compile(pattern));
    }

    @ParameterizedTest
    @ValueSource(strings = {"*.com", "a.b.c", "**.example.com", "x-*.y", "_srv.example.com", "*"})
    void validPatternsCompile(String pattern) {
        assertEquals(pattern, NamePattern.compile(pattern).source());
    }

    @org.junit.jupiter.api.Test
    void lengthLimitsHold() {
        String label63 = "a".repeat(63);
        NamePattern.exact(label63 + ".com");
        assertThrows(IllegalArgumentException.class, () -> NamePattern.exact("a".repeat(64) + ".com"));
        String name253 = (label63 + ".").repeat(3) + "a".repeat(61);
        assertEquals(253, name253.length());
        NamePattern.exact(name253);
        assertThrows(IllegalArgumentException.class, () -> NamePattern.exact(name253 + "a"));
        assertEquals(false, NamePattern.compile("*").matches(""));
    }
}
