package dev.egret.policy.json;

/** A document that is not well-formed JSON (or YAML), with where the problem was found (1-based; 0 when unknown). */
public final class JsonSyntaxException extends IllegalArgumentException {
    private final int line;
    private final int column;
    private final String problem;

    public JsonSyntaxException(String problem, int line, int column) {
        super(line > 0 ? problem + " at line " + line + ", column " + column : problem);
        this.problem = problem;
        this.line = line;
        this.column = column;
    }

    /** The message without its location. */
    public String problem() {
        return problem;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
