package dev.egret.node.app;

import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;

/** The agent's log: one line per record on standard output, as {@code 12:00:00.000 INFO  [e.n.a.NodeAgent] text}. */
final class NodeLogging {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5p [%c{2.}] %s%e%n";

    private NodeLogging() {
    }

    /** Must run before anything logs: JUL, JBoss Logging, SLF4J (Kafka, Kubernetes client) and Vert.x all end here. */
    static void configure() {
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        System.setProperty("org.jboss.logging.provider", "jboss");
        LogContext ctx = LogContext.getLogContext();
        Logger root = ctx.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler(ConsoleHandler.Target.SYSTEM_OUT, new PatternFormatter(PATTERN));
        console.setAutoFlush(true);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        ctx.getLogger("org.apache.kafka").setLevel(Level.WARNING); // its INFO lines dump every client's settings
    }

    /**
     * Applies {@code egret.node.log-levels}: the root's level, then {@code category=LEVEL} pairs, comma-separated
     * ({@code DEBUG} or {@code INFO,dev.egret.node.sync=DEBUG,org.apache.kafka=INFO}); levels TRACE, DEBUG, INFO,
     * WARN, ERROR, OFF (or JUL's names).
     */
    static void levels(String spec) {
        LogContext ctx = LogContext.getLogContext();
        Map<String, Level> levels = new LinkedHashMap<>(); // all parsed before any is set
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String category = eq < 0 ? "" : p.substring(0, eq).strip();
            String name = (eq < 0 ? p : p.substring(eq + 1)).strip().toUpperCase(Locale.ROOT);
            try {
                levels.put(category, ctx.getLevelForName(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("egret.node.log-levels: '" + name + "' is not a level (TRACE, DEBUG, "
                        + "INFO, WARN, ERROR, OFF)");
            }
        }
        levels.forEach((category, level) -> ctx.getLogger(category).setLevel(level));
    }
}
