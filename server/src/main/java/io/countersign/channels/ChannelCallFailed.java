package io.countersign.channels;

/** A chat system could not be reached or refused a call; the message names the call and the reason, never a secret. */
public class ChannelCallFailed extends RuntimeException {
    public ChannelCallFailed(String call, String reason) {
        super(call + " failed: " + reason);
    }
}
