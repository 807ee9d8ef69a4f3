package dev.egret.controller.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenRegistryTest {

    @Test
    void aNodeTokenWithANodeSubjectIsBoundToThatNode() {
        Caller bound = new Caller("node:worker-1", Role.NODE);
        assertEquals("worker-1", bound.boundNode().orElseThrow());
        assertTrue(bound.mayActAs("worker-1"));
        assertFalse(bound.mayActAs("worker-2"));
        Caller shared = new Caller("nodes", Role.NODE);
        assertTrue(shared.boundNode().isEmpty());
        assertTrue(shared.mayActAs("worker-2"), "a shared node token speaks for any node, as before");
        assertTrue(new Caller("node:", Role.NODE).boundNode().isEmpty(), "no name: not bound to anything");
        assertTrue(new Caller("node:worker-1", Role.ADMIN).boundNode().isEmpty(), "only node tokens are bound");
    }

    @Test
    void parsesTokensRolesAndSubjects() {
        TokenRegistry r = TokenRegistry.fromLines(List.of("# comment", "", "aaaaaaaaaaaaaaaaaaaa admin alice",
                "bbbbbbbbbbbbbbbbbbbb viewer bob", "cccccccccccccccccccc node node-7"), "t");
        assertEquals(new Caller("alice", Role.ADMIN), r.authenticate("aaaaaaaaaaaaaaaaaaaa").orElseThrow());
        assertEquals(Role.VIEWER, r.authenticate("bbbbbbbbbbbbbbbbbbbb").orElseThrow().role());
        assertEquals("node-7", r.authenticate("cccccccccccccccccccc").orElseThrow().subject());
        assertFalse(r.authenticate("aaaaaaaaaaaaaaaaaaab").isPresent());
        assertFalse(r.authenticate("").isPresent());
        assertFalse(r.authenticate(null).isPresent());
    }

    @Test
    void malformedLinesNameTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenRegistry.fromLines(List.of("aaaaaaaaaaaaaaaaaaaa admin alice", "bbbbbbbbbbbbbbbbbbbb root"), "tokens"));
        assertTrue(e.getMessage().startsWith("tokens:2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TokenRegistry.fromLines(List.of("bbbbbbbbbbbbbbbbbbbb superuser x"), "tokens"));
        assertTrue(e.getMessage().contains("unknown role 'superuser'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenRegistry.fromLines(List.of("short admin x"), "t"));
    }

    @Test
    void generatedAdminTokenIsPrivateAndStable(@TempDir Path dir) throws Exception {
        TokenRegistry.Generated first = TokenRegistry.generatedAdmin(dir);
        assertTrue(first.created());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file())));
        String token = Files.readString(first.file()).strip();
        assertTrue(token.length() >= 32);
        assertEquals(Role.ADMIN, first.registry().authenticate(token).orElseThrow().role());

        TokenRegistry.Generated second = TokenRegistry.generatedAdmin(dir);
        assertFalse(second.created());
        assertTrue(second.registry().authenticate(token).isPresent(), "the token survives restarts");
    }

    @Test
    void permissionsFollowRoles() {
        assertTrue(Permissions.allows(Role.VIEWER, "GET", "/api/v1/policies"));
        assertTrue(Permissions.allows(Role.VIEWER, "POST", "/api/v1/decisions"));
        assertFalse(Permissions.allows(Role.VIEWER, "PUT", "/api/v1/policies/a"));
        assertFalse(Permissions.allows(Role.VIEWER, "DELETE", "/api/v1/policies/a"));
        assertTrue(Permissions.allows(Role.ADMIN, "DELETE", "/api/v1/policies/a"));
        assertTrue(Permissions.allows(Role.NODE, "GET", "/api/v1/policies/a"));
        assertFalse(Permissions.allows(Role.NODE, "GET", "/api/v1/changes"));
        assertFalse(Permissions.allows(Role.NODE, "PUT", "/api/v1/policies/a"));
    }
}
