package io.sparkgrad.conf;

/**
 * One thing wrong with a job configuration.
 *
 * @param path    the dotted key path ({@code optimizer.lr}); empty for the file as a whole
 * @param origin  where the offending value came from ({@code file job.yaml}, {@code --set optimizer.lr=x},
 *                {@code preset yarn}, {@code defaults}); null when no single source is to blame
 * @param message what is wrong and what is allowed
 */
public record ConfigProblem(String path, String origin, String message) {

    /** One line: path, origin, message. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (!path.isEmpty()) {
            sb.append(path);
        }
        if (origin != null) {
            sb.append(sb.length() > 0 ? " " : "").append("(from ").append(origin).append(')');
        }
        return sb.append(sb.length() > 0 ? ": " : "").append(message).toString();
    }
}
