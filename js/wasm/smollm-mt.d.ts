// The same factory type as every build's glue (smollm-st.d.ts says why these files exist).
export { default } from './smollm-st.js';
