package dev.egret.node.agent;


import dev.egret.policy.json.JsonSyntax;
import dev.egret.policy.json.JsonValue;
import dev.egret.policy.json.JsonWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Stable policy-name-to-slot assignments, kept in the state directory so a restarted agent reuses them. */
public final class SlotTable {
    private final Path file;
    private final Map<String, Integer> slots = new TreeMap<>();

    public SlotTable(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try {
                JsonValue root = JsonSyntax.parse(Files.readString(file));
                if (!(root instanceof JsonValue.JsonObject o)) {
                    throw new IllegalArgumentException("not a JSON object of slots");
                }
                o.fields().forEach((name, slot) -> {
                    if (!(slot instanceof JsonValue.JsonNumber n) || !n.fitsInt() || n.longValue() < 1) {
                        throw new IllegalArgumentException("slot of '" + name + "' is not a positive integer: " + slot);
                    }
                    slots.put(name, (int) n.longValue());
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read slot table " + file, e);
            } catch (IllegalArgumentException e) {
                throw new UncheckedIOException("cannot read slot table " + file, new IOException(e.getMessage(), e));
            }
        }
    }

    /** Assigns slots to new names (never reusing one still assigned) and persists when anything changed. */
    public synchronized Map<String, Integer> assign(Collection<String> names, Set<Integer> reserved) {
        boolean changed = false;
        Set<Integer> used = new HashSet<>(slots.values());
        used.addAll(reserved);
        for (String n : names) {
            if (!slots.containsKey(n)) {
                int s = 1;
                while (used.contains(s)) {
                    s++;
                }
                slots.put(n, s);
                used.add(s);
                changed = true;
            }
        }
        changed |= slots.keySet().retainAll(new HashSet<>(names));
        if (changed) {
            save();
        }
        return Map.copyOf(slots);
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JsonWriter w = new JsonWriter().beginObject();
            slots.forEach((name, slot) -> w.field(name, slot));
            Files.writeString(tmp, w.endObject().toString());
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write slot table " + file, e);
        }
    }
}
