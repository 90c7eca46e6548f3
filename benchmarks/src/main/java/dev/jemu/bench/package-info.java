/**
 * JMH benchmarks and the {@code bin/jemu-bench} front end that runs them and prints one line per
 * figure ({@code NAME VALUE ns/op}, allocation as {@code NAME.alloc VALUE B/op}).
 *
 * <p>May use every jemu module and JMH; nothing depends on this package.
 */
package dev.jemu.bench;
