package dev.jemu.cli.img;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes jemu-img's {@code --output=json} with Jackson's generator in qemu-img's two layouts:
 * {@link #print} (objects and arrays indented by four spaces, {@code "key": value}, as in
 * {@code info} and {@code check}) and {@link #printLines} ({@code map}: one object per line).
 * Keys come out in the order of the maps given, which the callers put in qemu-img's order.
 * Used on the main thread only.
 */
final class QemuJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private QemuJson() {
    }

    /** Prints {@code value} (maps, lists, strings, numbers, booleans) indented as qemu-img does, then a newline. */
    static void print(PrintStream out, Object value) {
        DefaultIndenter indenter = new DefaultIndenter("    ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("").withArrayEmptySeparator("");
        out.println(write(value, new DefaultPrettyPrinter(separators).withObjectIndenter(indenter)
                .withArrayIndenter(indenter)));
    }

    /** Prints a list of flat objects as {@code qemu-img map --output=json} does: one object per line. */
    static void printLines(PrintStream out, List<? extends Map<String, ?>> objects) {
        out.println(write(objects, new LinePrinter()));
    }

    private static String write(Object value, PrettyPrinter printer) {
        StringWriter text = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(text)) {
            g.setPrettyPrinter(printer);
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(e.getKey().toString());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Long n -> g.writeNumber(n);
            case Integer n -> g.writeNumber(n);
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass());
        }
    }

    /** {@code [{ "a": 1, "b": 2},\n{ ...}]}: qemu-img map's layout. */
    private static final class LinePrinter extends MinimalPrettyPrinter {
        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            g.writeRaw("{ ");
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(",\n");
        }
    }
}
