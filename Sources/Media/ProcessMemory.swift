import CShims

/// Process-wide memory settings for the command-line tool.
public enum ProcessMemory {
    /// Keeps memory malloc frees for reuse rather than handing it back to the kernel, so video
    /// frames allocated one after another reuse pages instead of faulting in fresh ones
    /// (`deepfake score --count 32` on a 720×1280 clip: 87,000 page faults → 20,000, about 5% less
    /// CPU). The cost is that memory freed after a peak stays with the process until it exits.
    /// - Returns: whether glibc accepted the settings.
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        cshims_keep_freed_memory() == 1
    }
}
