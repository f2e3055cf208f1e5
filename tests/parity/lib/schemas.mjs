// JSON schemas the grammar parity tests share: a nested object whose every part is bounded
// (string lengths, item counts, an integer range, an enum), so sampled outputs always end.
export const nestedSchema = {
    type: 'object',
    properties: {
        name: {type: 'string', maxLength: 12},
        level: {type: 'integer', minimum: 1, maximum: 5},
        mode: {enum: ['fast', 'safe']},
        tags: {type: 'array', items: {type: 'string', maxLength: 6}, minItems: 1, maxItems: 3},
        owner: {type: 'object', properties: {id: {type: 'integer'}, active: {type: 'boolean'}}, required: ['id', 'active']},
    },
    required: ['name', 'level', 'mode', 'tags', 'owner'],
    additionalProperties: false,
};

// $ref into $defs, anyOf with null, and a date format.
export const refsSchema = {
    $defs: {when: {type: 'string', format: 'date'}},
    type: 'object',
    properties: {at: {$ref: '#/$defs/when'}, note: {anyOf: [{type: 'null'}, {type: 'string', maxLength: 8}]}},
    required: ['at', 'note'],
};
