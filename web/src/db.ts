// Conversation memory in IndexedDB: the same logical schema as the server's SQLite store
// (protocol/README.md). `conversations` is indexed by updatedAt, `messages` by [conversationId, seq].

export interface ConversationRecord {
  id: string;
  title: string;
  model: string | null;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, unknown>;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  seq: number;
  role: string;
  content: string;
  name?: string;
  toolCalls?: unknown[];
  toolCallId?: string;
  model?: string;
  provider?: string;
  promptTokens?: number;
  completionTokens?: number;
  finishReason?: string;
  interrupted: boolean;
  timings: Record<string, number>;
  createdAt: string;
}

const DB_NAME = 'hearth';
const DB_VERSION = 1;

const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

const done = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => { tx.oncomplete = () => resolve(); tx.onerror = () => reject(tx.error); tx.onabort = () => reject(tx.error); });

export class HearthDb {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(name = DB_NAME): Promise<HearthDb> {
    const open = indexedDB.open(name, DB_VERSION);
    open.onupgradeneeded = () => {
      const db = open.result;
      const conversations = db.createObjectStore('conversations', { keyPath: 'id' });
      conversations.createIndex('updatedAt', 'updatedAt');
      const messages = db.createObjectStore('messages', { keyPath: 'id' });
      messages.createIndex('conversationSeq', ['conversationId', 'seq'], { unique: true });
      db.createObjectStore('settings');
    };
    const db = await request(open);
    // Another context upgrading the schema must not be blocked by us.
    db.onversionchange = () => db.close();
    return new HearthDb(db);
  }

  close() { this.db.close(); }

  async createConversation(fields: { title: string; model: string | null; metadata?: Record<string, unknown> }): Promise<ConversationRecord> {
    const now = new Date().toISOString();
    const record: ConversationRecord = {
      id: crypto.randomUUID(), title: fields.title, model: fields.model, createdAt: now, updatedAt: now, metadata: fields.metadata ?? {},
    };
    const tx = this.db.transaction('conversations', 'readwrite');
    tx.objectStore('conversations').add(record);
    await done(tx);
    return record;
  }

  async getConversation(id: string): Promise<ConversationRecord | undefined> {
    return await request(this.db.transaction('conversations').objectStore('conversations').get(id));
  }

  /** Newest first by updatedAt. */
  async listConversations(limit = 100): Promise<ConversationRecord[]> {
    const index = this.db.transaction('conversations').objectStore('conversations').index('updatedAt');
    const result: ConversationRecord[] = [];
    await new Promise<void>((resolve, reject) => {
      const cursor = index.openCursor(null, 'prev');
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || result.length >= limit) return resolve();
        result.push(c.value);
        c.continue();
      };
    });
    return result;
  }

  async updateConversation(id: string, fields: Partial<Pick<ConversationRecord, 'title' | 'model' | 'metadata'>>): Promise<ConversationRecord | undefined> {
    const tx = this.db.transaction('conversations', 'readwrite');
    const store = tx.objectStore('conversations');
    const record = await request<ConversationRecord | undefined>(store.get(id));
    if (!record) return undefined;
    const updated = { ...record, ...fields, updatedAt: new Date().toISOString() };
    store.put(updated);
    await done(tx);
    return updated;
  }

  async deleteConversation(id: string): Promise<boolean> {
    const tx = this.db.transaction(['conversations', 'messages'], 'readwrite');
    const existing = await request(tx.objectStore('conversations').getKey(id));
    if (existing === undefined) { await done(tx); return false; }
    tx.objectStore('conversations').delete(id);
    const messages = tx.objectStore('messages').index('conversationSeq');
    const keys = await request(messages.getAllKeys(IDBKeyRange.bound([id, -Infinity], [id, Infinity])));
    for (const key of keys) tx.objectStore('messages').delete(key);
    await done(tx);
    return true;
  }

  async messages(conversationId: string): Promise<MessageRecord[]> {
    const index = this.db.transaction('messages').objectStore('messages').index('conversationSeq');
    return await request(index.getAll(IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity])));
  }

  /** Appends messages after the conversation's last seq and touches its updatedAt, in one transaction. */
  async appendMessages(conversationId: string, items: Omit<MessageRecord, 'id' | 'conversationId' | 'seq' | 'createdAt'>[]): Promise<MessageRecord[]> {
    const tx = this.db.transaction(['conversations', 'messages'], 'readwrite');
    const conversations = tx.objectStore('conversations');
    const conversation = await request<ConversationRecord | undefined>(conversations.get(conversationId));
    if (!conversation) throw new Error(`No conversation ${conversationId}`);
    const index = tx.objectStore('messages').index('conversationSeq');
    const last = await request(index.openCursor(IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity]), 'prev'));
    let seq = last ? (last.value as MessageRecord).seq + 1 : 0;
    const now = new Date().toISOString();
    const records = items.map((item) => ({ ...item, id: crypto.randomUUID(), conversationId, seq: seq++, createdAt: now }));
    for (const r of records) tx.objectStore('messages').add(r);
    conversations.put({ ...conversation, updatedAt: now });
    await done(tx);
    return records;
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    return await request(this.db.transaction('settings').objectStore('settings').get(key));
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    const tx = this.db.transaction('settings', 'readwrite');
    tx.objectStore('settings').put(value, key);
    await done(tx);
  }
}
