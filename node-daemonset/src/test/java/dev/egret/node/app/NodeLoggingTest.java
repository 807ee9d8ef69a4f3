package dev.egret.node.app;

import org.jboss.logmanager.LogContext;
import org.junit.jupiter.api.Test;

import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NodeLoggingTest {

    @Test
    void levelsSetTheRootAndCategories() {
        LogContext ctx = LogContext.getLogContext();
        Level root = ctx.getLogger("").getLevel();
        try {
            NodeLogging.levels("warn, dev.egret.test.a = DEBUG ,dev.egret.test.b=ERROR");
            assertEquals("WARN", ctx.getLogger("").getLevel().getName());
            assertEquals("DEBUG", ctx.getLogger("dev.egret.test.a").getLevel().getName());
            assertEquals("ERROR", ctx.getLogger("dev.egret.test.b").getLevel().getName());
        } finally {
            ctx.getLogger("").setLevel(root);
        }
    }

    @Test
    void anUnknownLevelIsNamedAndNoneIsSet() {
        LogContext ctx = LogContext.getLogContext();
        Level before = ctx.getLogger("dev.egret.test.c").getLevel();
        assertEquals("egret.node.log-levels: 'LOUD' is not a level (TRACE, DEBUG, INFO, WARN, ERROR, OFF)",
                assertThrows(IllegalArgumentException.class,
                        () -> NodeLogging.levels("dev.egret.test.c=TRACE,dev.egret=loud")).getMessage());
        assertEquals(before, ctx.getLogger("dev.egret.test.c").getLevel());
    }
}
