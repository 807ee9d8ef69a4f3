package dev.egret.node.pods;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PodCgroupNamesTest {
    private static final String UID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";

    @Test
    void bothCgroupDriversNameThePod() {
        assertEquals(Optional.of(UID), PodCgroupNames.podUid("pod" + UID));
        assertEquals(Optional.of(UID), PodCgroupNames.podUid("kubepods-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice"));
        assertEquals(Optional.of(UID), PodCgroupNames.podUid("kubepods-burstable-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice"));
        assertEquals(Optional.of(UID), PodCgroupNames.podUid("kubepods-besteffort-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice"));
    }

    @Test
    void containersTiersAndLookalikesAreNotPods() {
        assertEquals(Optional.empty(), PodCgroupNames.podUid("cri-containerd-4a2f9c0e1d.scope"));
        assertEquals(Optional.empty(), PodCgroupNames.podUid("kubepods-burstable.slice"));
        assertEquals(Optional.empty(), PodCgroupNames.podUid("pod" + UID + ".scope"));
        assertEquals(Optional.empty(), PodCgroupNames.podUid("pod1234"));
        assertEquals(Optional.empty(), PodCgroupNames.podUid("evil-kubepods-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice"));
    }
}
