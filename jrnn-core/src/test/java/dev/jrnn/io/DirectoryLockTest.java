package dev.jrnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run per directory: a second lock is refused naming the holder; a released or stale lock file never blocks. */
class DirectoryLockTest {
    @Test
    void aSecondLockIsRefusedNamingTheDirectoryAndTheHolder(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run/inner");
        try (DirectoryLock held = DirectoryLock.acquire(dir)) {
            assertTrue(Files.isDirectory(dir), "created");
            assertTrue(held.isHeld());
            DirectoryLock.Busy e = assertThrows(DirectoryLock.Busy.class, () -> DirectoryLock.acquire(dir));
            assertEquals(dir + " is in use by another jrnn run (pid " + ProcessHandle.current().pid() + ", since ",
                    e.getMessage().substring(0, e.getMessage().indexOf("since ") + 6));
            assertTrue(e.getMessage().endsWith("; lock file " + dir.resolve(".jrnn.lock") + ")"), e.getMessage());
        }
        try (DirectoryLock again = DirectoryLock.acquire(dir)) {          // released: the next run gets it
            assertTrue(again.isHeld());
        }
    }

    @Test
    void aLockFileLeftByAKilledRunDoesNotBlock(@TempDir Path tmp) throws IOException {
        // a killed run leaves its lock file; the operating system has already dropped its lock
        Files.writeString(tmp.resolve(DirectoryLock.FILE_NAME), "pid 999999, since 2020-01-01T00:00:00Z\n");
        try (DirectoryLock l = DirectoryLock.acquire(tmp)) {
            assertTrue(l.isHeld());
            assertTrue(Files.readString(tmp.resolve(DirectoryLock.FILE_NAME)).startsWith("pid " + ProcessHandle.current().pid()
                    + ", since "), "the new holder writes itself in");
        }
    }

    @Test
    void closeIsIdempotentAndReleases(@TempDir Path tmp) throws IOException {
        DirectoryLock l = DirectoryLock.acquire(tmp);
        l.close();
        l.close();
        assertFalse(l.isHeld());
    }

    @Test
    void aFileIsNotADirectory(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("out"), "x");
        IOException e = assertThrows(IOException.class, () -> DirectoryLock.acquire(file));
        assertEquals(file + " is a file, expected a directory", e.getMessage());
    }
}
