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

    /// Hands the heap's free pages back to the kernel now (glibc's `malloc_trim(0)`). With
    /// ``keepFreedMemory()`` nothing else returns them, and on a long video the holes that long-lived
    /// small allocations leave between freed frames add up: `score --fps 1` on an hour of 1080p
    /// peaked at 420 MB. Called once per scored batch, so pages are kept between frames but not
    /// across the whole video.
    public static func releaseFreedMemory() {
        _ = cshims_release_freed_memory()
    }
}
