import { bidiStreaming, clientStreaming, loadService } from "../../lib/mod.ts";

/** A user, by id. */
export type UserRequest = { id: number };

/** A user; in the count's answer, `id` carries the count. */
export type User = { id: number };

/** The count's answer. */
export type UserResponse = { error: boolean; user: User | null };

/** A chat message from or to the user `id`. */
export type ChatMessage = { id: number; message: string };

/** `UserManager`, as declared in `user.proto`. */
export const UserManager = loadService(new URL("./user.proto", import.meta.url), {
  name: "UserManager",
  methods: {
    get_client_stream: clientStreaming<UserRequest, UserResponse>(),
    connect_chat: bidiStreaming<ChatMessage, ChatMessage>(),
  },
});
