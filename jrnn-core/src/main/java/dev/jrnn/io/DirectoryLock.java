package dev.jrnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One writer per output directory: an operating-system lock ({@link FileChannel#tryLock}) on the file
 * {@code .jrnn.lock} in it, held from {@link #acquire} to {@link #close}. A second run that wants the same directory
 * gets a {@link Busy} naming the directory and the holder (its process id and start time, which the holder writes
 * into the lock file), instead of both runs overwriting each other's checkpoints and models.
 *
 * <p>The lock belongs to the process, not to the file: the operating system drops it when the process ends, however
 * it ends (kill -9 included), so the lock file that a killed run leaves behind never blocks the next run. The file
 * itself is left in place (deleting it would let a third run lock a new file while the second still holds the old
 * one). Within one JVM the directory can be locked once at a time; a second {@link #acquire} fails the same way.
 */
public final class DirectoryLock implements AutoCloseable {
    /** The lock file's name in the locked directory. */
    public static final String FILE_NAME = ".jrnn.lock";

    /** The directory is locked by another run (another process, or another part of this one). */
    public static final class Busy extends IOException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if needed and locks it.
     *
     * @throws Busy        when another run holds the lock; the message names the directory and the holder
     * @throws IOException when {@code dir} is a file or cannot be created, or the lock file cannot be opened
     */
    public static DirectoryLock acquire(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is a file, expected a directory");
        }
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        if (Files.isSymbolicLink(file) || Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file; remove it to use " + dir);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = null;
        try {
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;                                     // held by this JVM already
            }
            if (lock == null) {
                throw new Busy(dir + " is in use by another jrnn run (" + holder(file) + "; lock file " + file + ")");
            }
            byte[] who = ("pid " + ProcessHandle.current().pid() + ", since "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n").getBytes(StandardCharsets.UTF_8);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(who), 0);
            return new DirectoryLock(dir, ch, lock);
        } finally {
            if (lock == null) ch.close();
        }
    }

    /** Who holds the lock, as its holder wrote it ("pid 1234, since 2026-01-01T00:00:00Z"), or "holder unknown". */
    private static String holder(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.isEmpty() || s.length() > 200 || !s.startsWith("pid ") ? "holder unknown" : s;
        } catch (IOException | RuntimeException e) {
            return "holder unknown";
        }
    }

    /** The locked directory. */
    public Path directory() {
        return directory;
    }

    /** Whether the lock is still held. */
    public boolean isHeld() {
        return lock.isValid();
    }

    /** Releases the lock (the lock file stays; see the class comment). Idempotent. */
    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            try {
                if (lock.isValid()) lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
