package io.countersign.aws;

/** A call the gateway answers itself, with an error in the caller's protocol. */
final class AwsRefusal extends RuntimeException {
    private final AwsError error;

    AwsRefusal(AwsError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    AwsError error() {
        return error;
    }
}
