/** Injectable monotonic time, in nanoseconds. */
package io.github.streaminfer.time;
