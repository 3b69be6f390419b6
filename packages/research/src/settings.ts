/** Settings the research tools read; declared here so `registeredSettings()` lists them. */
import { stringSetting } from '@spatialforge/core';

/** Bearer key for the VLM endpoint `spatialforge eval` scores. Never logged. */
export const evalApiKey = stringSetting('EVAL_API_KEY', 'API key sent as a bearer token to the VLM endpoint that `spatialforge eval` scores');

/** OpenAI-compatible endpoint of the language model that plans spatial reasoning and rephrases QAs. */
export const llmEndpoint = stringSetting('LLM_ENDPOINT', 'OpenAI-compatible base URL (e.g. http://host:8000/v1) of the language model used for spatial reasoning and QA rephrasing; unset = built-in planner, no rephrasing');
export const llmModel = stringSetting('LLM_MODEL', 'Model name sent to LLM_ENDPOINT');
export const llmApiKey = stringSetting('LLM_API_KEY', 'API key sent as a bearer token to LLM_ENDPOINT. Never logged');
