package dev.egret.node.pods;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises a pod's own cgroup directory by its name, for both kubelet cgroup drivers:
 * cgroupfs ({@code kubepods/burstable/pod1b4e...-...}) and systemd
 * ({@code kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e..._..._....slice}). Pure.
 */
public final class PodCgroupNames {
    private static final String UID = "[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}";
    private static final Pattern CGROUPFS = Pattern.compile("pod(" + UID + ")");
    private static final Pattern SYSTEMD = Pattern.compile("kubepods(?:-burstable|-besteffort)?-pod(" + UID + ")\\.slice");

    private PodCgroupNames() {
    }

    /** The pod UID (with dashes) a directory name stands for, if it is a pod's cgroup. */
    public static Optional<String> podUid(String dirName) {
        Matcher m = CGROUPFS.matcher(dirName);
        if (!m.matches()) {
            m = SYSTEMD.matcher(dirName);
            if (!m.matches()) {
                return Optional.empty();
            }
        }
        return Optional.of(m.group(1).replace('_', '-'));
    }

    /** True for the directories under which kubelets put pods: {@code kubepods}, {@code kubepods.slice} and QoS tiers. */
    public static boolean isKubepodsTier(String dirName) {
        return dirName.equals("kubepods") || dirName.equals("kubepods.slice") || dirName.equals("burstable")
                || dirName.equals("besteffort") || dirName.equals("kubepods-burstable.slice")
                || dirName.equals("kubepods-besteffort.slice");
    }
}
