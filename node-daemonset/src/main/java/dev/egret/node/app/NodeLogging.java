package dev.egret.node.app;

import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

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
}
