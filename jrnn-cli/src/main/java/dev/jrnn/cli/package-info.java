/** The {@code jrnn} command line: parses options and calls the library; no maths here. */
package dev.jrnn.cli;
