package dev.egret.controller.api;

import dev.egret.controller.store.ChangeRecord;
import dev.egret.controller.store.PolicyStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** {@code /api/v1/changes}: the append-only log of policy changes (who, when, what, which versions). */
@Path("/api/v1/changes")
public class ChangesResource {

    @Inject
    PolicyStore store;

    public record ChangeList(List<ChangeRecord> items) {
    }

    /**
     * Changes oldest first.
     *
     * @param name  only changes of this policy
     * @param since only changes with a resource version above this one
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ChangeList list(@QueryParam("name") String name, @QueryParam("since") String since) {
        long after = 0;
        if (since != null) {
            try {
                after = Long.parseLong(since);
            } catch (NumberFormatException e) {
                throw ApiException.badField("since", "'" + since + "' is not a resource version");
            }
        }
        long floor = after;
        return new ChangeList(store.changes().stream()
                .filter(c -> name == null || c.name().equals(name))
                .filter(c -> c.newResourceVersion() > floor)
                .toList());
    }
}
