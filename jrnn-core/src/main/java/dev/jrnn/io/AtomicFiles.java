package dev.jrnn.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes files atomically: the bytes go to a temporary file in the target's directory, which is flushed and
 * fsynced ({@link FileChannel#force}) and then renamed over the target ({@code ATOMIC_MOVE}, falling back to
 * {@code REPLACE_EXISTING} where the file system cannot rename atomically). A crash or an exception at any
 * point leaves either the previous file or the complete new one at the target path, never a half-written one;
 * on failure the temporary file is deleted.
 *
 * <p>The temporary file is named {@code .NAME.RANDOM.tmp} and is created with the default permissions of
 * new files (not the owner-only permissions of {@link Files#createTempFile}). The parent directory must exist.
 * After the rename the directory itself is fsynced where the platform allows it (Linux, macOS), so that the
 * rename survives a power cut.
 *
 * <p>A process killed mid-write (kill -9, a power cut) leaves its temporary file behind. {@link #isTemporaryName}
 * recognises the names this class (and {@link ModelFile}, whose temporary directories have the same form) gives
 * them, and {@link #removeTemporaryFiles} deletes them from a directory; call it only while no other process can be
 * writing there (e.g. holding the directory's {@link DirectoryLock}).
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** {@code .NAME.RANDOM.tmp}, RANDOM being 1 to 16 lower-case hex digits. */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.[0-9a-f]{1,16}\\.tmp");

    private AtomicFiles() {}

    /** Writes the content of a file to a stream; used by {@link #write(Path, StreamWriter)}. */
    @FunctionalInterface
    public interface StreamWriter {
        /**
         * Writes the whole content to {@code out}. Closing {@code out} is allowed and has no effect beyond a
         * flush; throwing aborts the write and leaves the target untouched.
         *
         * @param out a buffered stream into the temporary file
         * @throws IOException to abort the write
         */
        void write(OutputStream out) throws IOException;
    }

    /**
     * Atomically replaces (or creates) {@code target} with {@code bytes}.
     *
     * @param target the file to write; its parent directory must exist
     * @param bytes  the complete content
     * @throws IOException when the temporary file cannot be written or renamed; the target is then unchanged
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        write(target, out -> out.write(bytes));
    }

    /**
     * Atomically replaces (or creates) {@code target} with what {@code body} writes.
     *
     * @param target the file to write; its parent directory must exist
     * @param body   writes the complete content; an exception from it aborts the write
     * @throws IOException when {@code body} throws or the file cannot be written or renamed; the target is then
     *                     unchanged and the temporary file removed
     */
    public static void write(Path target, StreamWriter body) throws IOException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(body, "body");
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            throw new IOException(target + ": not a file path");
        }
        if (Files.isDirectory(abs)) {
            throw new IOException(target + ": is a directory; expected a file path");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(target + ": the directory " + dir + " does not exist");
        }
        Path tmp = createTemp(dir, abs.getFileName().toString());
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream raw = Channels.newOutputStream(ch);
                BufferedOutputStream buffered = new BufferedOutputStream(raw, 1 << 16);
                body.write(new NonClosingStream(buffered));
                buffered.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure matters more than the leftover temporary file
                }
            }
        }
    }

    /** Whether {@code fileName} (a name, not a path) has the form of a temporary file: {@code .NAME.RANDOM.tmp}. */
    public static boolean isTemporaryName(String fileName) {
        return TEMPORARY.matcher(fileName).matches();
    }

    /**
     * Deletes the temporary files and directories ({@link #isTemporaryName}) directly in {@code dir}, left there by
     * writes that never finished (a process killed mid-write). Nothing else is touched; subdirectories are not
     * searched. Only safe while no other process writes into {@code dir}.
     *
     * @return the names removed, sorted
     * @throws IOException when {@code dir} cannot be listed or an entry cannot be deleted
     */
    public static List<String> removeTemporaryFiles(Path dir) throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(dir)) {
            stale = s.filter(p -> isTemporaryName(p.getFileName().toString())).sorted().toList();
        }
        List<String> removed = new ArrayList<>();
        for (Path p : stale) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> tree = Files.walk(p)) {
                    for (Path q : tree.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
                }
            } else {
                Files.deleteIfExists(p);
            }
            removed.add(p.getFileName().toString());
        }
        return removed;
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /** fsyncs a directory so that a rename in it is durable; silently skipped where unsupported (Windows). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort: the data itself is already on disk
        }
    }

    /** Passes writes through in bulk; close() only flushes, so a writer cannot close the channel early. */
    private static final class NonClosingStream extends FilterOutputStream {
        NonClosingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
