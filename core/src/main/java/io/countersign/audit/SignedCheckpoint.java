package io.countersign.audit;

/** A checkpoint together with the signed note that carries it, as served and as stored. */
public record SignedCheckpoint(Checkpoint checkpoint, String note) {
    public long size() {
        return checkpoint.size();
    }

    /** Opens a note with the log's key; the message says why one is refused. */
    public static SignedCheckpoint open(String note, NoteVerifier key) throws SignedNote.NoteException {
        SignedNote.Verified verified = SignedNote.open(note, java.util.List.of(key));
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.parse(verified.text());
        } catch (IllegalArgumentException e) {
            throw new SignedNote.NoteException("not a checkpoint: " + e.getMessage());
        }
        if (!checkpoint.origin().equals(key.name())) {
            throw new SignedNote.NoteException("the checkpoint is for log '" + checkpoint.origin() + "', not '" + key.name() + "'");
        }
        return new SignedCheckpoint(checkpoint, note);
    }
}
