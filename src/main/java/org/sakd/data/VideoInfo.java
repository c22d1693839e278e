package org.sakd.data;

/**
 * What a container header says about its video stream, without decoding: frame count (as declared,
 * or duration x fps when the container does not store it), frame rate, size and duration in
 * seconds.
 */
public record VideoInfo(int frames, double fps, int width, int height, double durationSeconds) {}
