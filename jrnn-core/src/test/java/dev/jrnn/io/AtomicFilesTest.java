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

    @Test
    void removesTheTemporaryFilesThatAKilledWriteLeavesAndNothingElse(@TempDir Path dir) throws IOException {
        // the name AtomicFiles gives its temporary file, seen while it writes
        List<String> during = new java.util.ArrayList<>();
        AtomicFiles.write(dir.resolve("checkpoint.safetensors"), out -> {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(p -> during.add(p.getFileName().toString()));
            }
            out.write(1);
        });
        assertEquals(1, during.size(), during.toString());
        String tmpName = during.get(0);
        assertTrue(AtomicFiles.isTemporaryName(tmpName), tmpName);
        // what kill -9 mid-write leaves: that file, and a model directory's temporary directory with files in it
        Files.write(dir.resolve(tmpName), new byte[1000]);
        Path tmpDir = Files.createDirectories(dir.resolve(".model.0123abcd.tmp"));
        Files.writeString(tmpDir.resolve("weights.safetensors"), "partial");
        for (String keep : List.of("notes.tmp", ".model.1234.old", ".jrnn.lock", ".hidden.tmp", ".x.NOTHEX.tmp")) {
            Files.writeString(dir.resolve(keep), "keep");
        }
        assertEquals(List.of(tmpName, ".model.0123abcd.tmp").stream().sorted().toList(), AtomicFiles.removeTemporaryFiles(dir));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(".hidden.tmp", ".jrnn.lock", ".model.1234.old", ".x.NOTHEX.tmp", "checkpoint.safetensors",
                    "notes.tmp"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(List.of(), AtomicFiles.removeTemporaryFiles(dir), "nothing left to remove");
    }
}
