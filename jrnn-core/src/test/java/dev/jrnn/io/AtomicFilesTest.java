package dev.jrnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AtomicFiles}: all or nothing at the target path. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().collect(Collectors.toList());
        }
    }

    @Test
    void createsAndReplaces() throws IOException {
        Path p = dir.resolve("a.bin");
        AtomicFiles.write(p, "first".getBytes(StandardCharsets.UTF_8));
        assertEquals("first", Files.readString(p));
        AtomicFiles.write(p, out -> {
            out.write("sec".getBytes(StandardCharsets.UTF_8));
            out.write('o');
            out.write("xnd!".getBytes(StandardCharsets.UTF_8), 1, 2);
            out.close(); // harmless
        });
        assertEquals("second", Files.readString(p));
        assertEquals(List.of(p), listing());
    }

    @Test
    void failureMidwayKeepsThePreviousFile() throws IOException {
        Path p = dir.resolve("ckpt.bin");
        AtomicFiles.write(p, "old content".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[200_000]); // more than the buffer: some bytes really reach the temporary file
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertEquals("old content", Files.readString(p));
        assertEquals(List.of(p), listing(), "the temporary file is removed");

        RuntimeException r = assertThrows(RuntimeException.class, () -> AtomicFiles.write(p, out -> {
            out.write(1);
            throw new IllegalStateException("bug in the writer");
        }));
        assertEquals("bug in the writer", r.getMessage());
        assertEquals("old content", Files.readString(p));
        assertEquals(List.of(p), listing());
    }

    @Test
    void failureOnANewPathLeavesNothing() throws IOException {
        Path p = dir.resolve("new.bin");
        assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            throw new IOException("nope");
        }));
        assertEquals(List.of(), listing());
    }

    @Test
    void rejectsDirectoriesAndMissingParents() throws IOException {
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(dir, new byte[1]));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        e = assertThrows(IOException.class, () -> AtomicFiles.write(dir.resolve("no/such/file"), new byte[1]));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void newFilesGetDefaultPermissions() throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Path plain = dir.resolve("plain.bin");
        Files.write(plain, new byte[1]);
        Path atomic = dir.resolve("atomic.bin");
        AtomicFiles.write(atomic, new byte[1]);
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic),
                "not the owner-only permissions of Files.createTempFile");
    }

    @Test
    void writesLargeContent() throws IOException {
        byte[] big = new byte[3_000_001];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        Path p = dir.resolve("big.bin");
        AtomicFiles.write(p, big);
        assertArrayEquals(big, Files.readAllBytes(p));
    }
}
